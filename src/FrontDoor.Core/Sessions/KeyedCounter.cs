using System.Collections.Concurrent;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// Open things per key (sessions per backend, per user, connections per client address), each under a
/// cap. Entries at zero are removed, so the table only holds keys that have something open.
/// </summary>
internal sealed class KeyedCounter<TKey>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, int> _counts;

    public KeyedCounter(IEqualityComparer<TKey>? comparer = null)
    {
        _counts = new ConcurrentDictionary<TKey, int>(comparer);
    }

    /// <summary>Takes a place for <paramref name="key"/> unless it already holds <paramref name="cap"/> (0: no cap).</summary>
    public bool TryEnter(TKey key, int cap)
    {
        while (true)
        {
            var current = _counts.GetValueOrDefault(key);
            if (cap > 0 && current >= cap)
            {
                return false;
            }

            if (current == 0 ? _counts.TryAdd(key, 1) : _counts.TryUpdate(key, current + 1, current))
            {
                return true;
            }
        }
    }

    public void Leave(TKey key)
    {
        while (_counts.TryGetValue(key, out var current))
        {
            if (current <= 1
                ? _counts.TryRemove(new KeyValuePair<TKey, int>(key, current))
                : _counts.TryUpdate(key, current - 1, current))
            {
                return;
            }
        }
    }

    public int Count(TKey key) => _counts.GetValueOrDefault(key);

    public int Total => _counts.Values.Sum();
}
