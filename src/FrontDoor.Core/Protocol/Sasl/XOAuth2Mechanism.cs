
namespace FrontDoor.Core.Protocol.Sasl;

/// <summary>
/// XOAUTH2 (Google's and Microsoft's mechanism, before RFC 7628): <c>user=NAME %x01 auth=Bearer TOKEN %x01 %x01</c>
/// in one response. FrontDoor routes by <c>user=</c>; the backend checks the token against that user.
/// </summary>
internal sealed class XOAuth2Mechanism : ISaslDecoder
{
    public static readonly XOAuth2Mechanism Instance = new();

    public string Name => "XOAUTH2";

    public string FirstChallenge => string.Empty;

    public SaslResult Decode(IReadOnlyList<byte[]> responses)
    {
        if (responses.Count == 0)
        {
            return SaslResult.NeedMore(FirstChallenge);
        }

        var message = responses[0];
        if (BearerMessage.TryRead(message, 0, out var token, out var user) is { } error)
        {
            return SaslResult.Bad($"Malformed XOAUTH2 response: {error}");
        }

        return user is null
            ? SaslResult.Bad("Malformed XOAUTH2 response: no user=")
            : SaslResult.Ok(new TokenCredentials(Name, user, message, token));
    }
}
