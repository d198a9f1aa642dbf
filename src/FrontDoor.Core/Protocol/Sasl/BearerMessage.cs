using System.Text;
using System.Text.Unicode;

namespace FrontDoor.Core.Protocol.Sasl;

/// <summary>
/// The key/value list both OAuth mechanisms share (RFC 7628 section 3.1, which XOAUTH2 predates and matches):
/// <c>key "=" value %x01</c> pairs, ended by one more <c>%x01</c>, with the token in
/// <c>auth=Bearer &lt;token&gt;</c> (RFC 6750 section 2.1).
/// </summary>
internal static class BearerMessage
{
    public const byte Separator = 0x01;

    /// <summary>Reads the pairs from <paramref name="start"/> to the end; the token's place and the values asked for.</summary>
    /// <param name="user">The value of <c>user=</c> (XOAUTH2), null when absent.</param>
    public static string? TryRead(byte[] message, int start, out Range token, out string? user)
    {
        token = default;
        user = null;
        var found = false;
        var position = start;
        while (true)
        {
            var end = Array.IndexOf(message, Separator, position);
            if (end < 0)
            {
                return "a key=value pair is not ended by \\x01";
            }

            if (end == position)
            {
                // The empty pair ends the list, and the message.
                if (end != message.Length - 1)
                {
                    return "bytes after the closing \\x01";
                }

                return found ? null : "no auth=Bearer token";
            }

            var pair = message.AsSpan(position, end - position);
            var equals = pair.IndexOf((byte)'=');
            if (equals <= 0 || !IsAlpha(pair[..equals]))
            {
                return "a key is not letters followed by '='";
            }

            var key = pair[..equals];
            var value = pair[(equals + 1)..];
            if (key.SequenceEqual("auth"u8))
            {
                if (found)
                {
                    return "auth is given twice";
                }

                if (!TryFindToken(value, out var offset, out var length))
                {
                    return "auth is not \"Bearer <token>\"";
                }

                var at = position + equals + 1 + offset;
                token = at..(at + length);
                found = true;
            }
            else if (key.SequenceEqual("user"u8))
            {
                if (user is not null || value.IsEmpty || !Utf8.IsValid(value) || value.ContainsAnyInRange((byte)0, (byte)0x20) || value.Contains((byte)0x7F))
                {
                    return "user is empty, given twice or not a UTF-8 name";
                }

                user = Encoding.UTF8.GetString(value);
            }
            else if (!IsValueText(value))
            {
                return "a value holds bytes RFC 7628 does not allow";
            }

            position = end + 1;
        }
    }

    /// <summary>RFC 6750 section 2.1: <c>"Bearer" 1*SP b64token</c>, the scheme in any case.</summary>
    private static bool TryFindToken(ReadOnlySpan<byte> value, out int offset, out int length)
    {
        offset = 0;
        length = 0;
        const int Scheme = 6;
        if (value.Length <= Scheme || !Ascii.EqualsIgnoreCase(value[..Scheme], "Bearer"u8) || value[Scheme] != (byte)' ')
        {
            return false;
        }

        offset = Scheme;
        while (offset < value.Length && value[offset] == (byte)' ')
        {
            offset++;
        }

        var token = value[offset..];
        length = token.Length;
        return IsB64Token(token);
    }

    private static bool IsB64Token(ReadOnlySpan<byte> token)
    {
        var padding = token.Length;
        while (padding > 0 && token[padding - 1] == (byte)'=')
        {
            padding--;
        }

        if (padding == 0)
        {
            return false;
        }

        foreach (var b in token[..padding])
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~' or (byte)'+' or (byte)'/'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAlpha(ReadOnlySpan<byte> key)
    {
        foreach (var b in key)
        {
            if (!char.IsAsciiLetter((char)b))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 7628 section 3.1: <c>value = *(VCHAR / SP / HTAB / CR / LF)</c>.</summary>
    private static bool IsValueText(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (b is not ((>= 0x20 and <= 0x7E) or 0x09 or 0x0D or 0x0A))
            {
                return false;
            }
        }

        return true;
    }
}
