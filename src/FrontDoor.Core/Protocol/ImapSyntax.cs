using System.Text;

namespace FrontDoor.Core.Protocol;

/// <summary>Small helpers over the bytes of one line; nothing here allocates.</summary>
internal static class ImapSyntax
{
    /// <summary>Splits off the first space-separated word of <paramref name="line"/>.</summary>
    public static ReadOnlySpan<byte> NextWord(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> rest)
    {
        var space = line.IndexOf((byte)' ');
        if (space < 0)
        {
            rest = default;
            return line;
        }

        rest = line[(space + 1)..];
        return line[..space];
    }

    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> bytes, string ascii) =>
        Ascii.EqualsIgnoreCase(bytes, ascii);

    public static bool StartsWithIgnoreCase(ReadOnlySpan<byte> bytes, string ascii) =>
        bytes.Length >= ascii.Length && Ascii.EqualsIgnoreCase(bytes[..ascii.Length], ascii);

    /// <summary>True for the status words that may carry a response code (RFC 9051 section 7.1).</summary>
    public static bool IsStatus(ReadOnlySpan<byte> word) =>
        EqualsIgnoreCase(word, "OK") || EqualsIgnoreCase(word, "NO") || EqualsIgnoreCase(word, "BAD")
        || EqualsIgnoreCase(word, "PREAUTH") || EqualsIgnoreCase(word, "BYE");

    /// <summary>A tag as RFC 9051 allows it: one or more ASTRING-CHARs other than '+'.</summary>
    public static bool IsValidTag(ReadOnlySpan<byte> tag)
    {
        if (tag.IsEmpty)
        {
            return false;
        }

        foreach (var b in tag)
        {
            if (b <= 0x20 || b >= 0x7f || b is (byte)'(' or (byte)')' or (byte)'{' or (byte)'%' or (byte)'*' or (byte)'"' or (byte)'\\' or (byte)'+')
            {
                return false;
            }
        }

        return true;
    }
}
