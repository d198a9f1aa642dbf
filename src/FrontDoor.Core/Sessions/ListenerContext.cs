namespace FrontDoor.Core.Sessions;

/// <summary>What a session knows of the listener it came in on.</summary>
internal sealed record ListenerContext(string Name);
