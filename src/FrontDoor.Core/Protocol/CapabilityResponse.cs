using System.Buffers;
using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// Finds and rewrites capability lists in responses: <c>* CAPABILITY ...</c> and the <c>[CAPABILITY ...]</c>
/// code of any status response (RFC 9051 sections 7.2.2 and 7.1).
/// </summary>
internal static class CapabilityResponse
{
    private const string CodeStart = "[CAPABILITY ";

    /// <summary>Locates the token list in a response line; false when the line carries no capabilities.</summary>
    public static bool TryLocate(ReadOnlySpan<byte> line, out Range tokens)
    {
        tokens = default;
        var tag = ImapSyntax.NextWord(line, out var rest);
        if (tag.IsEmpty || rest.IsEmpty)
        {
            return false;
        }

        var keyword = ImapSyntax.NextWord(rest, out var afterKeyword);
        if (tag.Length == 1 && tag[0] == (byte)'*' && ImapSyntax.EqualsIgnoreCase(keyword, "CAPABILITY"))
        {
            var start = afterKeyword.IsEmpty ? line.Length : line.Length - afterKeyword.Length;
            tokens = new Range(start, line.Length);
            return true;
        }

        if (!ImapSyntax.IsStatus(keyword) || !ImapSyntax.StartsWithIgnoreCase(afterKeyword, CodeStart))
        {
            return false;
        }

        var codeStart = line.Length - afterKeyword.Length + CodeStart.Length;
        var close = line[codeStart..].IndexOf((byte)']');
        if (close < 0)
        {
            return false;
        }

        tokens = new Range(codeStart, codeStart + close);
        return true;
    }

    public static CapabilitySet Parse(ReadOnlySpan<byte> tokens)
    {
        var set = new CapabilitySet();
        foreach (var range in tokens.Split((byte)' '))
        {
            var token = tokens[range];
            if (!token.IsEmpty)
            {
                set.Add(CapabilityTokens.Get(token));
            }
        }

        return set;
    }

    /// <summary>Writes <paramref name="line"/> with its token list replaced, then CRLF.</summary>
    public static void WriteRewritten(IBufferWriter<byte> output, ReadOnlySpan<byte> line, Range tokens, CapabilitySet capabilities)
    {
        var (offset, length) = tokens.GetOffsetAndLength(line.Length);
        var prefix = line[..offset];
        // "* CAPABILITY" followed by nothing gets its separating space back.
        if (length == 0 && offset == line.Length && prefix.Length > 0 && prefix[^1] != (byte)' ')
        {
            output.Write(prefix);
            output.Write(" "u8);
        }
        else
        {
            output.Write(prefix);
        }

        output.WriteAscii(capabilities.ToString());
        output.Write(line[(offset + length)..]);
        output.Write("\r\n"u8);
    }
}
