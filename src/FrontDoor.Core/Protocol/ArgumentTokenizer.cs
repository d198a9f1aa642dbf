namespace FrontDoor.Core.Protocol;

/// <summary>
/// Splits the text of a command line into arguments: atoms, quoted strings with their escapes, NIL and
/// parentheses (RFC 9051 section 4). Literals are not seen here: the reader adds them as strings.
/// </summary>
internal static class ArgumentTokenizer
{
    /// <summary>Adds the line's arguments to <paramref name="arguments"/>; false on a malformed quoted string.</summary>
    public static bool TryTokenize(ReadOnlySpan<byte> text, List<ImapArgument> arguments)
    {
        var i = 0;
        while (i < text.Length)
        {
            var b = text[i];
            switch (b)
            {
                case (byte)' ':
                    i++;
                    break;
                case (byte)'(':
                    arguments.Add(new ImapArgument(ArgumentKind.ListStart, []));
                    i++;
                    break;
                case (byte)')':
                    arguments.Add(new ImapArgument(ArgumentKind.ListEnd, []));
                    i++;
                    break;
                case (byte)'"':
                    if (!TryReadQuoted(text, ref i, out var value))
                    {
                        return false;
                    }

                    arguments.Add(new ImapArgument(ArgumentKind.String, value));
                    break;
                default:
                    var start = i;
                    while (i < text.Length && text[i] is not ((byte)' ' or (byte)'(' or (byte)')'))
                    {
                        i++;
                    }

                    var atom = text[start..i];
                    arguments.Add(ImapSyntax.EqualsIgnoreCase(atom, "NIL")
                        ? new ImapArgument(ArgumentKind.Nil, [])
                        : new ImapArgument(ArgumentKind.Atom, atom.ToArray()));
                    break;
            }
        }

        return true;
    }

    /// <summary>
    /// A quoted string (RFC 9051 section 4.3) into one array of its exact length: measured first, then
    /// copied, so no growing buffers are left behind (a LOGIN's password among them).
    /// </summary>
    private static bool TryReadQuoted(ReadOnlySpan<byte> text, ref int i, out byte[] value)
    {
        value = [];
        var length = 0;
        var end = i + 1;
        while (true)
        {
            if (end >= text.Length)
            {
                return false;
            }

            var b = text[end++];
            if (b == (byte)'"')
            {
                break;
            }

            if (b == (byte)'\\')
            {
                if (end >= text.Length || text[end] is not ((byte)'"' or (byte)'\\'))
                {
                    return false;
                }

                end++;
            }

            length++;
        }

        value = new byte[length];
        var written = 0;
        for (var at = i + 1; at < end - 1; at++)
        {
            var b = text[at];
            if (b == (byte)'\\')
            {
                b = text[++at];
            }

            value[written++] = b;
        }

        i = end;
        return true;
    }
}
