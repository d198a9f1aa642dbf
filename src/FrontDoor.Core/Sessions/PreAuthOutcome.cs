namespace FrontDoor.Core.Sessions;

/// <summary>How the pre-auth phase ended: the session is over, or a backend accepted the login.</summary>
internal readonly struct PreAuthOutcome
{
    private PreAuthOutcome(SessionEnd end, LoggedInSession? loggedIn)
    {
        End = end;
        LoggedIn = loggedIn;
    }

    public SessionEnd End { get; }

    public LoggedInSession? LoggedIn { get; }

    public static PreAuthOutcome Ended(SessionEnd end) => new(end, null);

    public static PreAuthOutcome Relay(LoggedInSession loggedIn) => new(default, loggedIn);

    public static implicit operator PreAuthOutcome(SessionEnd end) => Ended(end);
}
