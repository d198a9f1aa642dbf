using System.Security.Cryptography;
using System.Text;

namespace FrontDoor.Core.Protocol.Sasl;

/// <summary>A user name and password (LOGIN, AUTHENTICATE PLAIN or LOGIN).</summary>
internal sealed class LoginCredentials : ClientCredentials
{
    private readonly byte[]? _userBytes;

    public LoginCredentials(string user, byte[] password, string? authorizationId)
        : base(user)
    {
        Password = password;
        AuthorizationId = string.IsNullOrEmpty(authorizationId) ? null : authorizationId;
    }

    /// <param name="userBytes">The octets <paramref name="user"/> was read from (the LOGIN argument), sent on as they are when they are UTF-8, as <see cref="UserBytes"/> would make them again.</param>
    public LoginCredentials(string user, byte[] userBytes, byte[] password)
        : this(user, password, authorizationId: null)
    {
        // Invalid UTF-8 was read with replacement characters into User: the backend gets what User says.
        _userBytes = System.Text.Unicode.Utf8.IsValid(userBytes) ? userBytes : null;
    }

    public byte[] Password { get; }

    /// <summary>SASL PLAIN authzid (act as this user), when the client gave one.</summary>
    public string? AuthorizationId { get; }

    public override string TraceText => "LOGIN <hidden>";

    /// <summary>The user name as UTF-8: the LOGIN argument's own octets when there were (not a copy per login), else encoded.</summary>
    public byte[] UserBytes() => _userBytes ?? Encoding.UTF8.GetBytes(User);

    public override void Dispose() => CryptographicOperations.ZeroMemory(Password);

    public override string ToString() => $"{User} (password hidden)";
}
