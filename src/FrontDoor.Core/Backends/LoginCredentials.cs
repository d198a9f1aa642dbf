using System.Security.Cryptography;
using System.Text;

namespace FrontDoor.Core.Backends;

/// <summary>
/// A user's credentials on their way to the backend. The password stays in bytes so it can be wiped, and
/// <see cref="ToString"/> never shows it, so it cannot reach a log by accident.
/// </summary>
internal sealed class LoginCredentials : IDisposable
{
    public LoginCredentials(string user, byte[] password, string? authorizationId)
    {
        User = user;
        Password = password;
        AuthorizationId = string.IsNullOrEmpty(authorizationId) ? null : authorizationId;
    }

    public string User { get; }

    public byte[] Password { get; }

    /// <summary>SASL PLAIN authzid (act as this user), when the client gave one.</summary>
    public string? AuthorizationId { get; }

    public byte[] UserBytes() => Encoding.UTF8.GetBytes(User);

    public void Dispose() => CryptographicOperations.ZeroMemory(Password);

    public override string ToString() => $"{User} (password hidden)";
}
