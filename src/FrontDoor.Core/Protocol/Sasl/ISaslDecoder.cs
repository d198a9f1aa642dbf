namespace FrontDoor.Core.Protocol.Sasl;

/// <summary>
/// One SASL mechanism as FrontDoor reads it before login: a pure function from the client's responses so
/// far (base64-decoded, in order; the initial response of RFC 4959 SASL-IR is the first) to credentials, a
/// refusal, or the next challenge. The session does the I/O; the decoder keeps no state between calls.
/// </summary>
internal interface ISaslDecoder
{
    /// <summary>The IANA name, upper case (e.g. <c>PLAIN</c>).</summary>
    string Name { get; }

    /// <summary>The challenge to send when the client gave no initial response (base64; empty for "+ ").</summary>
    string FirstChallenge { get; }

    SaslResult Decode(IReadOnlyList<byte[]> responses);
}
