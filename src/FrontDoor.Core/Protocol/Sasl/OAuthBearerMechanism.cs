using System.Text;
using System.Text.Unicode;

namespace FrontDoor.Core.Protocol.Sasl;

/// <summary>
/// OAUTHBEARER (RFC 7628 section 3.1): <c>gs2-header %x01 *(key=value %x01) %x01</c>. The user FrontDoor routes
/// by is the GS2 authzid (<c>a=</c>, RFC 5801 section 4); the backend checks the token against that user.
/// </summary>
internal sealed class OAuthBearerMechanism : ISaslDecoder
{
    public static readonly OAuthBearerMechanism Instance = new();

    public string Name => "OAUTHBEARER";

    public string FirstChallenge => string.Empty;

    public SaslResult Decode(IReadOnlyList<byte[]> responses)
    {
        if (responses.Count == 0)
        {
            return SaslResult.NeedMore(FirstChallenge);
        }

        var message = responses[0];
        var headerEnd = Array.IndexOf(message, BearerMessage.Separator);
        if (headerEnd < 0)
        {
            return Bad("no \\x01 after the GS2 header");
        }

        if (ReadGs2Header(message.AsSpan(0, headerEnd), out var user) is { } headerError)
        {
            return Bad(headerError);
        }

        if (BearerMessage.TryRead(message, headerEnd + 1, out var token, out _) is { } error)
        {
            return Bad(error);
        }

        if (user is null)
        {
            // RFC 7628 lets the token alone name the user, but FrontDoor must know where to send it first.
            return SaslResult.No("[AUTHENTICATIONFAILED] OAUTHBEARER needs the user name (a=) in its GS2 header");
        }

        return SaslResult.Ok(new TokenCredentials(Name, user, message, token));
    }

    /// <summary>RFC 5801 section 4: <c>["F,"] ("n" / "y" / "p=" cb-name) "," ["a=" saslname] ","</c>.</summary>
    private static string? ReadGs2Header(ReadOnlySpan<byte> header, out string? user)
    {
        user = null;
        if (header.StartsWith("F,"u8))
        {
            header = header[2..];
        }

        var comma = header.IndexOf((byte)',');
        if (comma < 0)
        {
            return "the GS2 header has no channel binding flag";
        }

        var flag = header[..comma];
        if (!flag.SequenceEqual("n"u8) && !flag.SequenceEqual("y"u8))
        {
            // RFC 7628 section 3.1: OAUTHBEARER defines no channel binding ("p=").
            return "the GS2 channel binding flag must be n or y";
        }

        var rest = header[(comma + 1)..];
        if (rest.IsEmpty || rest[^1] != (byte)',' || rest[..^1].Contains((byte)','))
        {
            return "the GS2 header does not end after the authzid";
        }

        var authzid = rest[..^1];
        if (authzid.IsEmpty)
        {
            return null;
        }

        if (!authzid.StartsWith("a="u8) || authzid.Length == 2)
        {
            return "the GS2 authzid is not a=<user>";
        }

        return DecodeSaslName(authzid[2..], out user);
    }

    /// <summary>RFC 5801 section 4 saslname: UTF-8, with "," written "=2C" and "=" written "=3D".</summary>
    private static string? DecodeSaslName(ReadOnlySpan<byte> name, out string? user)
    {
        user = null;
        if (!Utf8.IsValid(name) || name.ContainsAnyInRange((byte)0, (byte)0x20) || name.Contains((byte)0x7F))
        {
            return "the GS2 authzid is not a UTF-8 name";
        }

        var decoded = new byte[name.Length];
        var length = 0;
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] != (byte)'=')
            {
                decoded[length++] = name[i];
            }
            else if (name[(i + 1)..].StartsWith("2C"u8))
            {
                decoded[length++] = (byte)',';
                i += 2;
            }
            else if (name[(i + 1)..].StartsWith("3D"u8))
            {
                decoded[length++] = (byte)'=';
                i += 2;
            }
            else
            {
                return "the GS2 authzid has an '=' that is not =2C or =3D";
            }
        }

        user = Encoding.UTF8.GetString(decoded, 0, length);
        return null;
    }

    private static SaslResult Bad(string why) => SaslResult.Bad($"Malformed OAUTHBEARER response: {why}");
}
