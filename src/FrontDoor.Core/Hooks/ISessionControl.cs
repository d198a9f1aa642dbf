namespace FrontDoor.Core.Hooks;

/// <summary>
/// What the session registry may tell a running session (its relay): end now with a BYE and a reason, or
/// take no more commands because FrontDoor is stopping. The relay itself is told, not a delegate or a token
/// registration made per session: each would be memory held for the session's whole life
/// (bench/README.md, "Idle memory per connection").
/// </summary>
internal interface ISessionControl
{
    /// <summary>Ends the session with <c>* BYE [UNAVAILABLE] reason</c>; from any thread.</summary>
    void Kick(string reason);

    /// <summary>FrontDoor is stopping: read no more commands, let the backend answer those in flight; from any thread.</summary>
    void StopTakingCommands();
}
