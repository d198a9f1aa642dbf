using System.Collections.Concurrent;
using System.Text;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// One string per distinct capability token, shared by every session: each logged-in session keeps its
/// backend's capability list (some 40 tokens from Dovecot), and a copy per session was about 1 KB of each
/// idle session's memory. Bounded, so a backend that invents tokens cannot grow it without end.
/// </summary>
internal static class CapabilityTokens
{
    private const int MaxTokens = 4096;
    private const int MaxPooledLength = 128;

    private static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> ByChars = Pool.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The token's text, from the pool when it is there or fits; capability tokens are ASCII.</summary>
    public static string Get(ReadOnlySpan<byte> token)
    {
        if (token.Length > MaxPooledLength)
        {
            return Encoding.ASCII.GetString(token);
        }

        Span<char> chars = stackalloc char[token.Length];
        var length = Encoding.ASCII.GetChars(token, chars);
        var text = chars[..length];
        if (ByChars.TryGetValue(text, out var pooled))
        {
            return pooled;
        }

        var created = new string(text);
        return Pool.Count < MaxTokens ? Pool.GetOrAdd(created, created) : created;
    }
}
