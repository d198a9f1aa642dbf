namespace FrontDoor.Core.Sessions;

/// <summary>How the pre-auth phase ended: the session is over, or a backend accepted the login.</summary>
internal readonly struct PreAuthOutcome
{
    private PreAuthOutcome(SessionEnd end, Sessions.Relay? loggedIn)
    {
        End = end;
        LoggedIn = loggedIn;
    }

    public SessionEnd End { get; }

    /// <summary>The logged-in session's relay, which owns what the login took (<see cref="Sessions.Relay.DisposeAsync"/>).</summary>
    public Sessions.Relay? LoggedIn { get; }

    public static PreAuthOutcome Ended(SessionEnd end) => new(end, null);

    public static PreAuthOutcome Relay(Sessions.Relay loggedIn) => new(default, loggedIn);

    public static implicit operator PreAuthOutcome(SessionEnd end) => Ended(end);
}
