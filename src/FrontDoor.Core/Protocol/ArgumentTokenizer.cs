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

    private static bool TryReadQuoted(ReadOnlySpan<byte> text, ref int i, out byte[] value)
    {
        var buffer = new List<byte>();
        i++;
        while (i < text.Length)
        {
            var b = text[i++];
            if (b == (byte)'"')
            {
                value = [.. buffer];
                return true;
            }

            if (b == (byte)'\\')
            {
                if (i >= text.Length || text[i] is not ((byte)'"' or (byte)'\\'))
                {
                    break;
                }

                b = text[i++];
            }

            buffer.Add(b);
        }

        value = [];
        return false;
    }
}
