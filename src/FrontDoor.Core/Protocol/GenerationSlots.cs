using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// Values addressed by a 64-bit token, <c>generation &lt;&lt; 32 | slot</c>, that an epoll registration carries
/// as its user data: the event names its owner without a lookup structure, and an event fetched after its
/// slot was freed (and perhaps reused) carries a generation that no longer matches, so it is ignored.
/// </summary>
/// <remarks>
/// A slot's generation is odd while it holds a value and even while it is free (each take and each free adds
/// one), so a stale token never matches and no separate "in use" mark is kept: a slot is the value and two
/// ints. Freed slots are reused first (a free list threaded through them); the array doubles when all are
/// taken and never shrinks. Not thread-safe: the owner holds its own lock around every call. A mutable
/// struct, kept in a field so a lookup costs no indirection more than the owner's own arrays would; never copy it.
/// </remarks>
/// <typeparam name="T">What a slot holds.</typeparam>
internal struct GenerationSlots<T>
{
    private Slot[] _slots;
    private int _freeHead;
    private int _highWater;
    private int _count;

    /// <param name="capacity">The slots made at once; at least 1.</param>
    public GenerationSlots(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _slots = new Slot[capacity];
        _freeHead = -1;
    }

    /// <summary>How many slots hold a value.</summary>
    public readonly int Count => _count;

    /// <summary>How many slots exist now (taken or free).</summary>
    public readonly int Capacity => _slots.Length;

    /// <summary>Puts <paramref name="value"/> in a free slot (growing the table when none is).</summary>
    /// <returns>The token that finds it until <see cref="TryRemove"/>.</returns>
    public ulong Add(T value)
    {
        int slot;
        if (_freeHead >= 0)
        {
            slot = _freeHead;
            _freeHead = _slots[slot].NextFree;
        }
        else
        {
            if (_highWater == _slots.Length)
            {
                Array.Resize(ref _slots, _slots.Length * 2);
            }

            slot = _highWater++;
        }

        ref var entry = ref _slots[slot];
        entry.Value = value;
        _count++;
        return ((ulong)(uint)++entry.Generation << 32) | (uint)slot;
    }

    /// <summary>The value <paramref name="token"/> was given for, unless it was removed since.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool TryGet(ulong token, [MaybeNullWhen(false)] out T value)
    {
        var slot = (uint)token;
        var slots = _slots;
        if (slot < (uint)slots.Length && slots[slot].Generation == (int)(token >> 32))
        {
            value = slots[slot].Value;
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>
    /// Puts <paramref name="value"/> in the slot of <paramref name="token"/>, which must be live: for a value that
    /// holds something made from its own token (a parked connection's watch, made after its slot).
    /// </summary>
    public void Replace(ulong token, T value)
    {
        if (!TryGet(token, out _))
        {
            throw new InvalidOperationException("the token's slot was freed");
        }

        _slots[(int)(uint)token].Value = value;
    }

    /// <summary>Frees the slot of <paramref name="token"/> and hands back its value; false (and nothing changes) for a stale token.</summary>
    public bool TryRemove(ulong token, [MaybeNullWhen(false)] out T value)
    {
        if (!TryGet(token, out value))
        {
            return false;
        }

        Free((int)(uint)token);
        return true;
    }

    /// <summary>Frees every slot that holds a value, adding the values to <paramref name="removed"/>.</summary>
    public void RemoveAll(List<T> removed)
    {
        for (var slot = 0; slot < _highWater; slot++)
        {
            if ((_slots[slot].Generation & 1) != 0)
            {
                removed.Add(_slots[slot].Value);
                Free(slot);
            }
        }
    }

    private void Free(int slot)
    {
        ref var entry = ref _slots[slot];
        entry.Value = default!;
        entry.Generation++;
        entry.NextFree = _freeHead;
        _freeHead = slot;
        _count--;
    }

    private struct Slot
    {
        public T Value;
        public int Generation;
        public int NextFree;
    }
}
