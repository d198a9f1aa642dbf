using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace FrontDoor.Core.Tests.Protocol.Sasl;

/// <summary>
/// Generators of hostile OAUTHBEARER and XOAUTH2 client messages: pieces of valid ones (GS2 headers, key=value
/// pairs, \x01 separators) in any order and number, malformed GS2 headers, missing separators, tokens up to
/// 64 KB, and octets that are not UTF-8.
/// </summary>
internal static class OAuthMessages
{
    private static readonly string[] Pieces =
    [
        "n,", "y,", "F,", "p=tls-unique,", "x,", ",", "a=bob,", "a=b=2Cob,", "a=b=ob,", "a=,", "a=", "=", "=2C", "=3D",
        "\u0001", "\u0001", "\u0001\u0001", "auth=Bearer ", "auth=bearer ", "auth=Basic ", "auth=", "Bearer", "user=bob",
        "user=", "host=server.example.com", "port=143", "k1=v", "tok.en-1~", "+/=", " ", "\t", "\r\n", "\0",
        "\u00ff", "\u00c3", "\u00c3\u00b6", "\u0080",
    ];

    /// <summary>Mostly well-formed shapes, so the decoders' deeper branches are reached as well.</summary>
    private static readonly Gen<string> Shaped =
        from header in Gen.Elements("n,a=bob,", "n,,", "y,a=alice,", "F,n,a=bob,", "p=x,a=bob,", "n,a=b\u00ffob,", "n,a=bob", string.Empty)
        from user in Gen.Elements("user=bob\u0001", "user=\u0001", string.Empty, "user=b\u00c3ob\u0001")
        from scheme in Gen.Elements("auth=Bearer ", "auth=bearer  ", "auth=Basic ", "auth=")
        from token in Token
        from end in Gen.Elements("\u0001\u0001", "\u0001", string.Empty, "\u0001\u0001\u0001", "\u0001\u0001x")
        from separator in Gen.Elements("\u0001", string.Empty)
        select header + separator + user + scheme + token + end;

    private static Gen<string> Token =>
        Gen.OneOf(
            Gen.Elements("abc", "ya29.x-y_z~", "dGVzdA==", "a b", string.Empty, "\u00ff\u00fe"),
            Gen.Choose(0, 64 * 1024).Select(length => new string('A', length)));

    public static Gen<byte[]> Message =>
        Gen.OneOf(
            Shaped,
            Gen.OneOf(Gen.Elements(Pieces), Gen.Choose(0, 255).Select(b => ((char)b).ToString())).ListOf().Select(string.Concat))
        .Select(Encoding.Latin1.GetBytes);
}
