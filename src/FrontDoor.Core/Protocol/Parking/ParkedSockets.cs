using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace FrontDoor.Core.Protocol.Parking;

/// <summary>
/// Connections that wait for their peer's first byte, held as bare descriptors in an epoll set of FrontDoor's
/// own, watched by one thread for all of them. A parked connection is its descriptor, the caller's
/// <typeparamref name="TState"/> in a shared array and a place in a queue: no <c>Socket</c>, pending receive,
/// state machine or timer. The caller gets the descriptor back once (with the reason) when a byte or a close
/// arrives, when <c>isExpired</c> says it has waited too long (checked in park order, so only the oldest
/// are looked at), or when <see cref="WakeAll"/> is called; from then on the descriptor is the caller's again.
/// </summary>
/// <typeparam name="TState">What the caller needs to carry on with the connection; held while it is parked.</typeparam>
[SupportedOSPlatform("linux")]
internal sealed unsafe class ParkedSockets<TState> : IDisposable
{
    private const int MaxEvents = 256;
    private const int TickMilliseconds = 1000;
    private const uint Watched = EpollInterop.Readable | EpollInterop.PeerClosedWrite | EpollInterop.OneShot;

    private readonly Lock _lock = new();
    private readonly Queue<ulong> _parkOrder = new();
    private readonly List<Parked> _due = [];
    private readonly Func<TState, bool> _isExpired;
    private readonly Action<int, TState, ParkedSocketWake> _wake;
    private readonly int _epoll;
    private readonly int _wakeEvent;
    private readonly bool _ownsDescriptors;
    private readonly Thread _thread;

    // Guarded by _lock; a parked connection's token is its watch's and its place in _parkOrder.
    private GenerationSlots<Parked> _slots = new(256);
    private bool _closed;
    private volatile bool _disposed;

    private ParkedSockets(int epoll, int wakeEvent, bool ownsDescriptors, Func<TState, bool> isExpired, Action<int, TState, ParkedSocketWake> wake)
    {
        _epoll = epoll;
        _ownsDescriptors = ownsDescriptors;
        _wakeEvent = wakeEvent;
        _isExpired = isExpired;
        _wake = wake;
        _thread = new Thread(Watch) { IsBackground = true, Name = "FrontDoor parked connections" };
        _thread.Start();
    }

    /// <summary>How many connections are parked now.</summary>
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

    /// <param name="isExpired">Asked on the watching thread, oldest first, about once a second; must not block.</param>
    /// <param name="wake">
    /// Called once per parked descriptor, which it then owns: on the watching thread (or on the caller's, for
    /// <see cref="Park"/>'s and <see cref="WakeAll"/>'s own), so it must hand the work on without blocking
    /// (ListenerService posts it to a socket loop) and must not throw.
    /// </param>
    /// <param name="ownsDescriptors">
    /// True when a parked descriptor is the set's until its wake (closed on dispose); false when its owner
    /// keeps it and only waits (the owner must not close it while it is parked).
    /// </param>
    /// <returns>Null when this system has no epoll for FrontDoor (the caller waits the ordinary way).</returns>
    public static ParkedSockets<TState>? TryCreate(Func<TState, bool> isExpired, Action<int, TState, ParkedSocketWake> wake, bool ownsDescriptors = true)
    {
        if (!EpollInterop.TryCreateSetWithWakeEvent(out var epoll, out var wakeEvent))
        {
            return null;
        }

        return new ParkedSockets<TState>(epoll, wakeEvent, ownsDescriptors, isExpired, wake);
    }

    /// <summary>
    /// Takes <paramref name="descriptor"/> (a connected socket no one else uses) until its wake. Never
    /// fails: when it cannot be watched (out of kernel memory or watches) or parking has stopped, the wake
    /// comes at once, as <see cref="ParkedSocketWake.Readable"/> or <see cref="ParkedSocketWake.Stopping"/>.
    /// </summary>
    public void Park(int descriptor, TState state)
    {
        lock (_lock)
        {
            if (_closed)
            {
                Dispatch(descriptor, state, ParkedSocketWake.Stopping);
                return;
            }

            var token = _slots.Add(new Parked(descriptor, state));

            // Watched under the lock, so no wake can hand the descriptor back before it is in the set. An event
            // that comes after its slot was reused carries an old generation and finds nothing.
            if (EpollInterop.Add(_epoll, descriptor, Watched, token) != 0)
            {
                _slots.TryRemove(token, out _);
                Dispatch(descriptor, state, ParkedSocketWake.Readable);
                return;
            }

            _parkOrder.Enqueue(token);
        }
    }

    /// <summary>Hands every parked connection back as <see cref="ParkedSocketWake.Stopping"/>; later parks are handed back at once.</summary>
    public void WakeAll()
    {
        var all = new List<Parked>();
        lock (_lock)
        {
            _closed = true;
            _slots.RemoveAll(all);
        }

        foreach (var (descriptor, state) in all)
        {
            EpollInterop.Remove(_epoll, descriptor);
            Dispatch(descriptor, state, ParkedSocketWake.Stopping);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        EpollInterop.Signal(_wakeEvent);
        _thread.Join();
        lock (_lock)
        {
            _slots.RemoveAll(_due);
        }

        if (_ownsDescriptors)
        {
            foreach (var (descriptor, _) in _due)
            {
                EpollInterop.Close(descriptor);
            }
        }

        _due.Clear();

        EpollInterop.Close(_wakeEvent);
        EpollInterop.Close(_epoll);
    }

    private void Watch()
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * EpollInterop.EventSize));
        try
        {
            while (!_disposed)
            {
                var count = EpollInterop.Wait(_epoll, events, MaxEvents, TickMilliseconds);
                for (var i = 0; i < count; i++)
                {
                    var token = EpollInterop.TokenAt(events, i);
                    if (token == EpollInterop.WakeToken)
                    {
                        EpollInterop.ClearSignal(_wakeEvent);
                    }
                    else if (TryTake(token, out var descriptor, out var state))
                    {
                        // Out of this set before anyone can close it: a descriptor number is reused at once.
                        EpollInterop.Remove(_epoll, descriptor);
                        Dispatch(descriptor, state, ParkedSocketWake.Readable);
                    }
                }

                ExpireOldest();
            }
        }
        finally
        {
            NativeMemory.Free(events);
        }
    }

    private void ExpireOldest()
    {
        lock (_lock)
        {
            while (_parkOrder.TryPeek(out var oldest))
            {
                if (_slots.TryGet(oldest, out var parked))
                {
                    if (!_isExpired(parked.State))
                    {
                        break;
                    }

                    _slots.TryRemove(oldest, out _);
                    _due.Add(parked);
                }

                _parkOrder.Dequeue();
            }
        }

        foreach (var (descriptor, state) in _due)
        {
            EpollInterop.Remove(_epoll, descriptor);
            Dispatch(descriptor, state, ParkedSocketWake.Expired);
        }

        _due.Clear();
    }

    private bool TryTake(ulong token, out int descriptor, out TState state)
    {
        lock (_lock)
        {
            if (_slots.TryRemove(token, out var parked))
            {
                (descriptor, state) = parked;
                return true;
            }
        }

        descriptor = -1;
        state = default!;
        return false;
    }

    private void Dispatch(int descriptor, TState state, ParkedSocketWake reason) => _wake(descriptor, state, reason);

    /// <summary>A parked connection: its descriptor and the caller's state (a slot adds its generation and free-list link).</summary>
    private readonly record struct Parked(int Descriptor, TState State);
}
