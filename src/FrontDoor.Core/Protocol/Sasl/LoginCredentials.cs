using System.Security.Cryptography;
using System.Text;

namespace FrontDoor.Core.Protocol.Sasl;

/// <summary>A user name and password (LOGIN, AUTHENTICATE PLAIN or LOGIN).</summary>
internal sealed class LoginCredentials : ClientCredentials
{
    public LoginCredentials(string user, byte[] password, string? authorizationId)
        : base(user)
    {
        Password = password;
        AuthorizationId = string.IsNullOrEmpty(authorizationId) ? null : authorizationId;
    }

    public byte[] Password { get; }

    /// <summary>SASL PLAIN authzid (act as this user), when the client gave one.</summary>
    public string? AuthorizationId { get; }

    public override string TraceText => "LOGIN <hidden>";

    public byte[] UserBytes() => Encoding.UTF8.GetBytes(User);

    public override void Dispose() => CryptographicOperations.ZeroMemory(Password);

    public override string ToString() => $"{User} (password hidden)";
}
