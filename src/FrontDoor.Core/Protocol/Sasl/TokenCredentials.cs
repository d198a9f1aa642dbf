using System.Globalization;
using System.Security.Cryptography;

namespace FrontDoor.Core.Protocol.Sasl;

/// <summary>
/// An OAuth 2.0 bearer token login (OAUTHBEARER, RFC 7628, or XOAUTH2): the client's whole SASL message,
/// kept as it came so the backend gets exactly what the client sent, and checks the token against the
/// same user FrontDoor routed by.
/// </summary>
internal sealed class TokenCredentials : ClientCredentials
{
    private readonly Range _token;

    /// <param name="message">The decoded client response; owned (and wiped) by this object.</param>
    /// <param name="token">Where the bearer token lies in <paramref name="message"/>.</param>
    public TokenCredentials(string mechanism, string user, byte[] message, Range token)
        : base(user)
    {
        Mechanism = mechanism;
        Message = message;
        _token = token;
    }

    /// <summary><c>OAUTHBEARER</c> or <c>XOAUTH2</c>: replayed to the backend as the client chose it.</summary>
    public string Mechanism { get; }

    public byte[] Message { get; }

    public ReadOnlySpan<byte> Token => Message.AsSpan()[_token];

    public int TokenLength => _token.GetOffsetAndLength(Message.Length).Length;

    public override string TraceText => string.Create(CultureInfo.InvariantCulture, $"AUTHENTICATE {Mechanism} <token, {TokenLength} octets>");

    public override void Dispose() => CryptographicOperations.ZeroMemory(Message);

    public override string ToString() => $"{User} ({Mechanism} token hidden)";
}
