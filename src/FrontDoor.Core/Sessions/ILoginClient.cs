using FrontDoor.Core.Backends;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// The client's side of a login, as <see cref="LoginFlow"/> needs it: the session itself, rather than two
/// delegates made for every login (bench/README.md, garbage per login).
/// </summary>
internal interface ILoginClient
{
    /// <summary>Relays a challenge the backend sends during a token login; see <see cref="ClientChallenge"/>.</summary>
    Task<byte[]?> RelayChallengeAsync(string challenge, CancellationToken cancellationToken);

    /// <summary>How the session ends when the client left during such a challenge; null while it is there.</summary>
    SessionEnd? ClientLeft { get; }
}
