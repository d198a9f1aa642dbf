using System.Text;
using FrontDoor.Core.Protocol.Sasl;

namespace FrontDoor.Core.Tests.Protocol.Sasl;

internal static class SaslTestData
{
    /// <summary>Latin-1, so "\u0001" and "\u00ff" are the single octets 0x01 and 0xFF.</summary>
    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    public static SaslResult Decode(ISaslDecoder mechanism, params string[] responses) =>
        mechanism.Decode(responses.Select(Bytes).ToList());
}
