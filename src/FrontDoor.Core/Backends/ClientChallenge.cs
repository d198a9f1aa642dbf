namespace FrontDoor.Core.Backends;

/// <summary>
/// The client's side of a challenge the backend sends during the login FrontDoor replays (the JSON error of
/// RFC 7628 section 3.2.2): send <c>+ challenge</c> to the client and return its response line as it came,
/// or null when the client has gone.
/// </summary>
internal delegate Task<byte[]?> ClientChallenge(string challenge, CancellationToken cancellationToken);
