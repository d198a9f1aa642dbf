namespace FrontDoor.Core.Hooks;

/// <summary>
/// Backends that share storage. A pool's name works wherever a backend's does; each user goes to one member,
/// chosen by rendezvous hashing among the healthy members, so every node picks the same one with no
/// coordination, and a member going down moves only its own users.
/// </summary>
/// <param name="Name">The pool's name, unique among backends and pools.</param>
/// <param name="Members">The member backends' names, in the order written.</param>
public sealed record BackendPool(string Name, IReadOnlyList<string> Members);
