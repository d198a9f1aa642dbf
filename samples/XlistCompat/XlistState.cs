using FrontDoor.Core.Hooks;

namespace FrontDoor.Samples.XlistCompat;

/// <summary>
/// The tags of one session's XLIST commands that the backend has not completed yet. The command rewriter adds
/// on the client's pump, the response rewriter reads and removes on the backend's, so both go through a lock.
/// Kept in <see cref="SessionContext.Items"/> under <see cref="Key"/>, made on the session's first XLIST.
/// </summary>
internal sealed class XlistState
{
    public static readonly object Key = new();

    private readonly List<byte[]> _tags = [];
    private volatile int _count;

    /// <summary>True while at least one XLIST is in flight (read without the lock: a hint, re-checked under it).</summary>
    public bool Any => _count > 0;

    public static XlistState For(SessionContext session)
    {
        var items = session.Items;
        if (items.TryGetValue(Key, out var existing) && existing is XlistState state)
        {
            return state;
        }

        // Only the client's pump creates it, so there is no race to lose.
        var created = new XlistState();
        items[Key] = created;
        return created;
    }

    public static XlistState? Find(SessionContext session) =>
        session.Items.TryGetValue(Key, out var value) ? value as XlistState : null;

    public void Add(ReadOnlySpan<byte> tag)
    {
        lock (_tags)
        {
            _tags.Add(tag.ToArray());
            _count = _tags.Count;
        }
    }

    /// <summary>Forgets <paramref name="tag"/> if it is an XLIST in flight; true when it was.</summary>
    public bool Complete(ReadOnlySpan<byte> tag)
    {
        lock (_tags)
        {
            for (var i = 0; i < _tags.Count; i++)
            {
                if (tag.SequenceEqual(_tags[i]))
                {
                    _tags.RemoveAt(i);
                    _count = _tags.Count;
                    return true;
                }
            }
        }

        return false;
    }
}
