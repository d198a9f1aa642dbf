using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;

namespace FrontDoor.Core.Protocol.Sasl;

/// <summary>SASL PLAIN (RFC 4616): <c>[authzid] NUL authcid NUL passwd</c> in one response.</summary>
internal sealed class PlainMechanism : ISaslDecoder
{
    public static readonly PlainMechanism Instance = new();

    public string Name => "PLAIN";

    public string FirstChallenge => string.Empty;

    public SaslResult Decode(IReadOnlyList<byte[]> responses)
    {
        if (responses.Count == 0)
        {
            return SaslResult.NeedMore(FirstChallenge);
        }

        var message = responses[0];
        var first = Array.IndexOf(message, (byte)0);
        var second = first < 0 ? -1 : Array.IndexOf(message, (byte)0, first + 1);
        if (second < 0 || Array.IndexOf(message, (byte)0, second + 1) >= 0
            || !Utf8.IsValid(message.AsSpan(0, second)))
        {
            return SaslResult.Bad("Malformed PLAIN response");
        }

        var authzid = Encoding.UTF8.GetString(message, 0, first);
        var user = Encoding.UTF8.GetString(message, first + 1, second - first - 1);
        var password = message[(second + 1)..];
        CryptographicOperations.ZeroMemory(message);
        return SaslResult.Ok(new LoginCredentials(user, password, authzid == user ? null : authzid));
    }
}
