namespace FrontDoor.Core.Protocol;

/// <summary>Makes a value from bytes; for <see cref="BytesCache{T}"/>.</summary>
internal delegate T BytesParser<out T>(ReadOnlySpan<byte> bytes);

/// <summary>
/// The value last made from the same bytes: backends answer every login with the same greeting, capability
/// list and OK text, and finding those bytes here saves making the same strings and lists for each login
/// (bench/README.md, garbage per login). A fixed number of slots by hash, the newest value winning a slot,
/// so a backend whose lines vary costs a parse each time, as without the cache, and cannot grow it. The
/// values are shared by every session that gets them: they must not be changed.
/// </summary>
internal sealed class BytesCache<T>
    where T : class
{
    private readonly Entry?[] _entries;
    private readonly int _maxLength;
    private readonly BytesParser<T> _parse;

    public BytesCache(int slots, int maxLength, BytesParser<T> parse)
    {
        _entries = new Entry?[slots];
        _maxLength = maxLength;
        _parse = parse;
    }

    public T Get(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > _maxLength)
        {
            return _parse(bytes);
        }

        var hash = new HashCode();
        hash.AddBytes(bytes);
        var slot = (int)((uint)hash.ToHashCode() % (uint)_entries.Length);
        var entry = Volatile.Read(ref _entries[slot]);
        if (entry is not null && bytes.SequenceEqual(entry.Bytes))
        {
            return entry.Value;
        }

        var value = _parse(bytes);
        Volatile.Write(ref _entries[slot], new Entry(bytes.ToArray(), value));
        return value;
    }

    private sealed record Entry(byte[] Bytes, T Value);
}
