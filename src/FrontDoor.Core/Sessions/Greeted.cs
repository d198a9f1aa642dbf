namespace FrontDoor.Core.Sessions;

/// <summary>A connection <see cref="ClientSession.GreetAsync"/> greeted: its session id, when, and whether the greeting failed to go out.</summary>
/// <param name="At">A <see cref="TimeProvider"/> timestamp.</param>
internal readonly record struct Greeted(string SessionId, long At, bool Failed);
