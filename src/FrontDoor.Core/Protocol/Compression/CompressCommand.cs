namespace FrontDoor.Core.Protocol.Compression;

/// <summary>RFC 4978 section 3: the answer to a client's COMPRESS after login, which FrontDoor gives itself.</summary>
internal static class CompressCommand
{
    /// <summary>The capability FrontDoor offers after login when compression is on.</summary>
    public const string Capability = "COMPRESS=DEFLATE";

    /// <summary>The tagged OK; compression starts right after its CRLF.</summary>
    public const string Accepted = "OK DEFLATE active";

    public static bool Is(ReadOnlySpan<byte> commandName) => ImapSyntax.EqualsIgnoreCase(commandName, "COMPRESS");

    /// <summary>
    /// Null when compression may start; otherwise the status and text to answer with.
    /// </summary>
    /// <param name="arguments">What follows the command name on the line, without the line ending.</param>
    /// <param name="hasLiteral">The line announces a literal: no valid COMPRESS does.</param>
    /// <param name="offered">COMPRESS=DEFLATE is on offer on this listener.</param>
    /// <param name="active">Compression already runs on this connection.</param>
    public static string? Refusal(ReadOnlySpan<byte> arguments, bool hasLiteral, bool offered, bool active)
    {
        if (!offered)
        {
            // Not advertised: passing it on would let the backend compress a stream FrontDoor must read.
            return "BAD COMPRESS is not offered here";
        }

        if (active)
        {
            return "NO [COMPRESSIONACTIVE] DEFLATE is already active";
        }

        var mechanism = ImapSyntax.NextWord(arguments, out var rest);
        if (hasLiteral || !rest.IsEmpty || !ImapSyntax.EqualsIgnoreCase(mechanism, "DEFLATE"))
        {
            return "BAD Unknown compression mechanism; only DEFLATE is offered";
        }

        return null;
    }
}
