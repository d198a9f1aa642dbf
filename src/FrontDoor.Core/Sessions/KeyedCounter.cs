namespace FrontDoor.Core.Sessions;

/// <summary>
/// Open things per key (sessions per backend, per user, connections per client address), each under a
/// cap. Entries at zero are removed, so the table only holds keys that have something open.
/// </summary>
/// <remarks>
/// A <see cref="Dictionary{TKey, TValue}"/> under a lock rather than a <c>ConcurrentDictionary</c>: the
/// concurrent one makes a node object (40 B) for every key it adds, so each login whose user, backend,
/// listener or address had nothing open made four nodes of garbage (bench/README.md, garbage per login). A
/// dictionary keeps its entries in one array and reuses a removed entry's slot, so it makes none once it has
/// grown to the most keys open at once. Each call holds the lock for one hash look-up, as the concurrent
/// dictionary's own writes lock a bucket stripe.
/// </remarks>
internal sealed class KeyedCounter<TKey>
    where TKey : notnull
{
    // A dictionary never gives its arrays back: after a burst (100,000 users logged in at once, then gone)
    // they would stay the burst's size, several MB per counter. A table with room for more than twice this
    // is shrunk once its keys fall to an eighth of the room, to twice the keys and never below this, so a
    // table that breathes below that size is never reallocated.
    private const int KeptCapacity = 1024;

    private readonly Dictionary<TKey, int> _counts;
    private readonly Lock _lock = new();

    public KeyedCounter(IEqualityComparer<TKey>? comparer = null)
    {
        _counts = new Dictionary<TKey, int>(comparer);
    }

    /// <summary>Takes a place for <paramref name="key"/> unless it already holds <paramref name="cap"/> (0: no cap).</summary>
    public bool TryEnter(TKey key, int cap)
    {
        lock (_lock)
        {
            ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_counts, key, out _);
            if (cap > 0 && count >= cap)
            {
                return false;
            }

            // A new key's count is 0 here and cap is at least 1 or none, so an entry added is never left at zero.
            count++;
            return true;
        }
    }

    public void Leave(TKey key)
    {
        lock (_lock)
        {
            ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_counts, key);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref count))
            {
                return;
            }

            if (--count <= 0)
            {
                _counts.Remove(key);
                var capacity = _counts.EnsureCapacity(0);
                if (capacity > 2 * KeptCapacity && _counts.Count < capacity / 8)
                {
                    _counts.TrimExcess(Math.Max(_counts.Count * 2, KeptCapacity));
                }
            }
        }
    }

    /// <summary>How many keys the table has room for without growing.</summary>
    internal int Capacity
    {
        get
        {
            lock (_lock)
            {
                return _counts.EnsureCapacity(0);
            }
        }
    }

    public int Count(TKey key)
    {
        lock (_lock)
        {
            return _counts.GetValueOrDefault(key);
        }
    }
}
