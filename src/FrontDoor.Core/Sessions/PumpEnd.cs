namespace FrontDoor.Core.Sessions;

/// <summary>How one of the relay's pumps ended, and the text of the BYE it asks for, if any.</summary>
internal readonly record struct PumpEnd(SessionEnd End, string? Bye);
