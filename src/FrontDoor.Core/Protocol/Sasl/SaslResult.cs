
namespace FrontDoor.Core.Protocol.Sasl;

internal enum SaslStatus
{
    /// <summary>The exchange is complete: <see cref="SaslResult.Credentials"/> holds what the client sent.</summary>
    Ok,

    /// <summary>The client's message breaks the mechanism's syntax: answer <c>BAD</c> with the reason.</summary>
    Bad,

    /// <summary>Well formed, but FrontDoor cannot log this in (e.g. no user to route by): answer <c>NO</c>.</summary>
    No,

    /// <summary>Send <see cref="SaslResult.Challenge"/> as a continuation and decode again with the client's answer.</summary>
    NeedMore,
}

/// <summary>What a SASL decoder made of the client's responses so far.</summary>
internal readonly record struct SaslResult(SaslStatus Status, ClientCredentials? Credentials, string Text)
{
    public static SaslResult Ok(ClientCredentials credentials) => new(SaslStatus.Ok, credentials, string.Empty);

    public static SaslResult Bad(string reason) => new(SaslStatus.Bad, null, reason);

    public static SaslResult No(string reason) => new(SaslStatus.No, null, reason);

    /// <summary>Ask the client for its next response; <paramref name="challenge"/> is already base64 (or empty).</summary>
    public static SaslResult NeedMore(string challenge) => new(SaslStatus.NeedMore, null, challenge);

    /// <summary>For Bad and No: the reason; for NeedMore: the base64 challenge.</summary>
    public string Text { get; } = Text;
}
