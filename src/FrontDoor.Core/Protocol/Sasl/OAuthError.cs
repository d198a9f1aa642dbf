using System.Text;

namespace FrontDoor.Core.Protocol.Sasl;

/// <summary>
/// The error FrontDoor sends for a token its introspection refused, in the form a backend would: a
/// continuation with base64 JSON (RFC 7628 section 3.2.2; XOAUTH2 as Google and Dovecot send it), which the
/// client answers with a dummy response before the tagged NO, so it knows to refresh the token.
/// </summary>
internal static class OAuthError
{
    private static readonly string OAuthBearer = Convert.ToBase64String(Encoding.ASCII.GetBytes("""{"status":"invalid_token"}"""));
    private static readonly string XOAuth2 = Convert.ToBase64String(Encoding.ASCII.GetBytes("""{"status":"401","schemes":"bearer"}"""));

    public static string Challenge(string mechanism) => mechanism == "XOAUTH2" ? XOAuth2 : OAuthBearer;
}
