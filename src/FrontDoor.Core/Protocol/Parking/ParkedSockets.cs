using System.Runtime.Versioning;
using FrontDoor.Core.Protocol.Events;

namespace FrontDoor.Core.Protocol.Parking;

/// <summary>
/// Connections that wait for their peer's first byte, held as bare descriptors in the socket loops' epoll sets
/// (<see cref="SocketEventLoop"/>, as guests: <see cref="ILoopGuest"/>). A parked connection is its
/// descriptor, the caller's <typeparamref name="TState"/> in a shared array and a place in a queue: no
/// <c>Socket</c>, pending receive, state machine or timer. The caller gets the descriptor back once (with the
/// reason) when a byte or a close arrives, when <c>isExpired</c> says it has waited too long (checked in park
/// order about once a second, so only the oldest are looked at), or when <see cref="WakeAll"/> is called; from
/// then on the descriptor is the caller's again.
/// </summary>
/// <remarks>
/// A connection parks on the loop whose thread parks it (the one its greeting ran on), and its first byte
/// wakes that same thread, which can resume the session there: no thread of the parking's own and no hand-off
/// between threads (bench/README.md, "Parked connections on the socket loops"). Where connection sockets do
/// not use the loops (<c>FRONTDOOR_SOCKET_EVENTS=0</c>), the parking makes a loop of its own and stops it when
/// disposed.
/// </remarks>
/// <typeparam name="TState">What the caller needs to carry on with the connection; held while it is parked.</typeparam>
[SupportedOSPlatform("linux")]
internal sealed class ParkedSockets<TState> : IDisposable
{
    private readonly Shard[] _shards;
    private readonly SocketEventLoop? _ownLoop;
    private readonly Func<TState, bool> _isExpired;
    private readonly Action<int, TState, ParkedSocketWake> _wake;
    private readonly bool _ownsDescriptors;
    private int _next;
    private volatile bool _closed;
    private int _disposed;

    private ParkedSockets(IReadOnlyList<SocketEventLoop> loops, SocketEventLoop? ownLoop, bool ownsDescriptors, Func<TState, bool> isExpired, Action<int, TState, ParkedSocketWake> wake)
    {
        _ownLoop = ownLoop;
        _ownsDescriptors = ownsDescriptors;
        _isExpired = isExpired;
        _wake = wake;
        _shards = [.. loops.Select(loop => new Shard(this, loop))];
        foreach (var shard in _shards)
        {
            shard.Loop.AddTicker(shard);
        }
    }

    /// <summary>How many connections are parked now.</summary>
    public int Count => _shards.Sum(shard => shard.Count);

    /// <param name="isExpired">Asked on a loop's thread, oldest first, about once a second; must not block.</param>
    /// <param name="wake">
    /// Called once per parked descriptor, which it then owns: on the thread of the loop it was parked on for
    /// <see cref="ParkedSocketWake.Readable"/> and <see cref="ParkedSocketWake.Expired"/>, where it may start the
    /// connection's work but must not block; on the caller's for <see cref="Park"/>'s own (a descriptor that
    /// could not be watched) and for <see cref="WakeAll"/>'s. Must not throw.
    /// </param>
    /// <param name="ownsDescriptors">
    /// True when a parked descriptor is the set's until its wake (closed on dispose); false when its owner
    /// keeps it and only waits (the owner must not close it while it is parked).
    /// </param>
    /// <returns>Null when this system has no epoll for FrontDoor (the caller waits the ordinary way).</returns>
    public static ParkedSockets<TState>? TryCreate(Func<TState, bool> isExpired, Action<int, TState, ParkedSocketWake> wake, bool ownsDescriptors = true)
    {
        if (SocketEventLoop.Enabled)
        {
            return new ParkedSockets<TState>(SocketEventLoop.All, null, ownsDescriptors, isExpired, wake);
        }

        return SocketEventLoop.TryCreate("FrontDoor parked connections") is { } own
            ? new ParkedSockets<TState>([own], own, ownsDescriptors, isExpired, wake)
            : null;
    }

    /// <summary>Parking on <paramref name="loops"/> (tests make loops of their own, and stop them).</summary>
    internal static ParkedSockets<TState> Create(IReadOnlyList<SocketEventLoop> loops, Func<TState, bool> isExpired, Action<int, TState, ParkedSocketWake> wake) =>
        new(loops, null, ownsDescriptors: true, isExpired, wake);

    /// <summary>
    /// Takes <paramref name="descriptor"/> (a connected socket no one else uses) until its wake: on the loop
    /// whose thread this is, else on each loop in turn. Never fails: when it cannot be watched (out of kernel
    /// memory or watches) or parking has stopped, the wake comes at once, as
    /// <see cref="ParkedSocketWake.Readable"/> or <see cref="ParkedSocketWake.Stopping"/>.
    /// </summary>
    public void Park(int descriptor, TState state) => ShardHere().Park(descriptor, state);

    /// <summary>Hands every parked connection back as <see cref="ParkedSocketWake.Stopping"/>; later parks are handed back at once.</summary>
    public void WakeAll()
    {
        _closed = true;
        foreach (var shard in _shards)
        {
            foreach (var (descriptor, state, _) in shard.TakeAll())
            {
                _wake(descriptor, state, ParkedSocketWake.Stopping);
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _closed = true;
        foreach (var shard in _shards)
        {
            shard.Loop.RemoveTicker(shard);
            foreach (var (descriptor, _, _) in shard.TakeAll())
            {
                if (_ownsDescriptors)
                {
                    EpollInterop.Close(descriptor);
                }
            }
        }

        _ownLoop?.Stop();
    }

    private Shard ShardHere()
    {
        var current = SocketEventLoop.Current;
        foreach (var shard in _shards)
        {
            if (shard.Loop == current)
            {
                return shard;
            }
        }

        return _shards[(int)((uint)Interlocked.Increment(ref _next) % (uint)_shards.Length)];
    }

    /// <summary>A parked connection: its descriptor, the caller's state and its watch's token on the loop.</summary>
    private readonly record struct Parked(int Descriptor, TState State, ulong Watch);

    /// <summary>The connections parked on one loop, in park order for the expiry.</summary>
    private sealed class Shard(ParkedSockets<TState> owner, SocketEventLoop loop) : ILoopGuest
    {
        private const uint Watched = EpollInterop.Readable | EpollInterop.PeerClosedWrite | EpollInterop.OneShot;

        private readonly Lock _lock = new();
        private readonly Queue<ulong> _parkOrder = new();
        private readonly List<Parked> _due = [];

        // Guarded by _lock; a parked connection's key is its slot's token and its place in _parkOrder.
        private GenerationSlots<Parked> _slots = new(256);

        public SocketEventLoop Loop { get; } = loop;

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _slots.Count;
                }
            }
        }

        public void Park(int descriptor, TState state)
        {
            var refused = false;
            lock (_lock)
            {
                if (!owner._closed)
                {
                    var key = _slots.Add(default);
                    var watch = Loop.EnlistGuest(this, key);
                    _slots.Replace(key, new Parked(descriptor, state, watch));

                    // Watched under the lock, so no wake can hand the descriptor back before it is in the set.
                    if (Loop.Watch(descriptor, Watched, watch) == 0)
                    {
                        _parkOrder.Enqueue(key);
                        return;
                    }

                    _slots.TryRemove(key, out _);
                    Loop.DelistGuest(descriptor, watch);
                    refused = true;
                }
            }

            owner._wake(descriptor, state, refused ? ParkedSocketWake.Readable : ParkedSocketWake.Stopping);
        }

        /// <summary>Every parked connection, out of the loop's set: the caller's now.</summary>
        public List<Parked> TakeAll()
        {
            var all = new List<Parked>();
            lock (_lock)
            {
                _slots.RemoveAll(all);
                _parkOrder.Clear();
            }

            foreach (var parked in all)
            {
                Loop.DelistGuest(parked.Descriptor, parked.Watch);
            }

            return all;
        }

        void ILoopGuest.OnEvent(ulong key)
        {
            Parked parked;
            lock (_lock)
            {
                if (!_slots.TryRemove(key, out parked))
                {
                    return;
                }
            }

            // Out of the set before the descriptor is handed on: its number is reused as soon as it is closed.
            Loop.Unwatch(parked.Descriptor);
            owner._wake(parked.Descriptor, parked.State, ParkedSocketWake.Readable);
        }

        void ILoopGuest.Tick()
        {
            lock (_lock)
            {
                while (_parkOrder.TryPeek(out var oldest))
                {
                    if (_slots.TryGet(oldest, out var parked))
                    {
                        if (!owner._isExpired(parked.State))
                        {
                            break;
                        }

                        _slots.TryRemove(oldest, out _);
                        _due.Add(parked);
                    }

                    _parkOrder.Dequeue();
                }
            }

            foreach (var parked in _due)
            {
                Loop.DelistGuest(parked.Descriptor, parked.Watch);
                owner._wake(parked.Descriptor, parked.State, ParkedSocketWake.Expired);
            }

            _due.Clear();
        }
    }
}
