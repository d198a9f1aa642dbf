using System.Buffers;
using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Protocol;

internal enum LiteralParse
{
    /// <summary>The line does not end with a literal header.</summary>
    None,

    Literal,

    /// <summary>A header whose size cannot be real (overflow): the stream cannot be resynchronized.</summary>
    Impossible,
}

/// <summary>
/// Finds the literal header that ends a line (RFC 9051 section 4.3, RFC 7888, RFC 3516). Only the tail of
/// the line is looked at, and sizes are parsed without allocation and with an overflow check.
/// </summary>
internal static class LiteralHeaderParser
{
    // "~{" + 19 digits + "+}" is the longest header we parse; more digits than long holds is Impossible.
    private const int MaxHeaderLength = 24;
    private const int MaxDigits = 18;

    public static LiteralParse Parse(ReadOnlySpan<byte> line, out LiteralHeader header) => Parse(line, 0, out header);

    /// <summary>Parses the header at the end of a possibly multi-segment line, copying at most its tail.</summary>
    public static LiteralParse Parse(in ReadOnlySequence<byte> line, out LiteralHeader header)
    {
        if (line.IsSingleSegment)
        {
            return Parse(line.FirstSpan, 0, out header);
        }

        var tailLength = (int)Math.Min(line.Length, MaxHeaderLength + 2);
        Span<byte> tail = stackalloc byte[tailLength];
        line.Slice(line.Length - tailLength).CopyTo(tail);
        return Parse(tail, (int)(line.Length - tailLength), out header);
    }

    private static LiteralParse Parse(ReadOnlySpan<byte> line, int offset, out LiteralHeader header)
    {
        header = default;
        var end = line.Length - 1;
        if (end < 2 || line[end] != (byte)'}')
        {
            return LiteralParse.None;
        }

        var i = end - 1;
        var nonSynchronizing = false;
        if (line[i] == (byte)'+')
        {
            nonSynchronizing = true;
            i--;
        }

        var lastDigit = i;
        while (i >= 0 && IsDigit(line[i]))
        {
            i--;
        }

        var digitCount = lastDigit - i;
        if (i < 0 || line[i] != (byte)'{' || digitCount == 0)
        {
            // Text that merely ends in '}' ("abc}", "{+}", "{x}") is not a literal: the line is relayed as text.
            return LiteralParse.None;
        }

        if (digitCount > MaxDigits)
        {
            return LiteralParse.Impossible;
        }

        long length = 0;
        foreach (var digit in line.Slice(i + 1, digitCount))
        {
            length = (length * 10) + (digit - '0');
        }

        var start = i;
        var binary = i > 0 && line[i - 1] == (byte)'~';
        if (binary)
        {
            start--;
        }

        header = new LiteralHeader(length, nonSynchronizing, binary, offset + start);
        return LiteralParse.Literal;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}
