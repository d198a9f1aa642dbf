using System.Net.Sockets;
using System.Runtime.Versioning;

namespace FrontDoor.Core.Protocol.Events;

/// <summary>
/// A socket's waits on a <see cref="SocketEventLoop"/>: one reader and one writer, each woken when the socket is
/// ready for it. Made at a connection's first wait, so a connection that never waits (a parked one) has none.
/// The socket is watched edge-triggered from its first wait to its close: a wait costs no system call, and
/// an event comes only when something new arrives (or room frees up).
/// </summary>
/// <remarks>
/// Each direction has a flag, set with a full fence before the waiter is looked at, while a waiter arms itself
/// with a full fence before it looks at the flag: whichever comes second sees the other, so no wake is lost.
/// An event that finds its waiter armed is fresh (the reader is parked, so nobody read since the kernel saw the
/// data): the flag says <see cref="Ready"/> and the woken read finds data. An event that comes while nobody
/// waits may be about data a running read takes anyway, so it says only <see cref="Maybe"/>, and the next
/// zero-byte wait peeks: a pipe's read after that wait never waits holding its buffer.
/// </remarks>
[SupportedOSPlatform("linux")]
internal sealed class SocketReadiness
{
    private const uint Watched = EpollInterop.Readable | EpollInterop.Writable | EpollInterop.PeerClosedWrite | EpollInterop.EdgeTriggered;
    private const uint ReadEvents = EpollInterop.Readable | EpollInterop.PeerClosedWrite | EpollInterop.Error | EpollInterop.HangUp;
    private const uint WriteEvents = EpollInterop.Writable | EpollInterop.Error | EpollInterop.HangUp;

    private const int NotReady = 0;
    private const int Ready = 1;
    private const int Maybe = 2;

    private readonly SocketEventLoop _loop;
    private readonly Socket _socket;
    private readonly int _descriptor;
    private readonly ulong _token;
    private readonly ReadinessWaiter _read;
    private ReadinessWaiter? _write;

    // Waits that came while the direction's own waiter was taken (a second reader, as while a session ends):
    // each its own waiter, woken with the first. Guarded by _read.
    private List<ReadinessWaiter>? _others;
    private int _readable;
    private int _writable;

    // Sticky: the peer's FIN (reads end), or a reset or error (both directions end). Their edge comes once,
    // and a read that took data before the FIN leaves the FIN for the next read with no new edge for it.
    private int _readEnded;
    private int _failed;

    // Guarded by _read (a private object): whether the descriptor is in the set, and whether it left for good.
    private bool _added;
    private bool _closed;

    /// <param name="loop">
    /// The loop to wait on; null for the loop whose thread this is (work posted to it, <see cref="LoopWork{T}"/>,
    /// keeps its sockets there), or elsewhere <see cref="SocketEventLoop.Next"/>'s choice.
    /// </param>
    public SocketReadiness(Socket socket, SocketEventLoop? loop = null)
    {
        _socket = socket;
        _descriptor = (int)socket.SafeHandle.DangerousGetHandle();
        _loop = loop ?? SocketEventLoop.Current ?? SocketEventLoop.Next();
        _read = new ReadinessWaiter(SocketEventLoop.Inline);
        _token = _loop.Enlist(this);
    }

    /// <summary>The loop that watches the socket.</summary>
    internal SocketEventLoop Loop => _loop;

    /// <summary>True once the watch saw an error or a hang-up (EPOLLERR, EPOLLHUP): sticky, as the cause stays.</summary>
    internal bool Failed => Volatile.Read(ref _failed) != 0;

    /// <summary>
    /// Called by the socket's owner while no read has ever been made on it and none can start (a connect
    /// that has not handed the socket on yet): a readable event seen so far came while nobody waited, so it
    /// says only <see cref="Maybe"/>, yet no read can have taken what it announced. It is made
    /// <see cref="Ready"/>, and the first wait (a backend's greeting, often in the connect's own event) needs
    /// no peek (bench/README.md, per-login system calls).
    /// </summary>
    internal void NothingReadYet() => Interlocked.CompareExchange(ref _readable, Ready, Maybe);

    /// <summary>Called just before a read (a receive or a splice): what it does not find, it waits for.</summary>
    public void ReadStarting() => Volatile.Write(ref _readable, NotReady);

    /// <summary>
    /// Called after that read, which asked for <paramref name="requested"/> octets and got <paramref name="received"/>
    /// (negative: none were there). One that met the end (0) makes every later wait end at once, as every later
    /// read meets it; one that got all it asked for may have left more, which no new edge will announce, so the
    /// next wait looks first. One that got less emptied the queue: the next data comes with an edge.
    /// </summary>
    public void ReadDone(long received, long requested)
    {
        if (received == 0)
        {
            Volatile.Write(ref _readEnded, 1);
        }
        else if (received == requested)
        {
            Interlocked.CompareExchange(ref _readable, Maybe, NotReady);
        }
    }

    /// <summary>Completes when the socket is readable (data, the end, an error): at once when it is already.</summary>
    public ValueTask<int> WaitReadableAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (Volatile.Read(ref _readEnded) != 0 || Volatile.Read(ref _failed) != 0)
            {
                return ValueTask.FromResult(0);
            }

            switch (Volatile.Read(ref _readable))
            {
                case Ready:
                    return ValueTask.FromResult(0);
                case Maybe:
                    if (Peek())
                    {
                        Interlocked.CompareExchange(ref _readable, Ready, Maybe);
                        return ValueTask.FromResult(0);
                    }

                    // Nothing after all; an event meanwhile leaves the flag set, and the loop looks again.
                    if (Interlocked.CompareExchange(ref _readable, NotReady, Maybe) != Maybe)
                    {
                        continue;
                    }

                    break;
            }

            return Wait(_read, ref _readable, cancellationToken);
        }
    }

    /// <summary>Completes when the socket's send buffer may have room (or it failed); the writer tries and waits again if not.</summary>
    public ValueTask<int> WaitWritableAsync(CancellationToken cancellationToken)
    {
        var waiter = _write;
        if (waiter is null)
        {
            lock (_read)
            {
                waiter = _write ??= new ReadinessWaiter(SocketEventLoop.Inline);
            }
        }

        return Interlocked.Exchange(ref _writable, NotReady) != NotReady || Volatile.Read(ref _failed) != 0
            ? ValueTask.FromResult(0)
            : Wait(waiter, ref _writable, cancellationToken);
    }

    private ValueTask<int> Wait(ReadinessWaiter waiter, ref int flag, CancellationToken cancellationToken)
    {
        if (!waiter.TryArm(cancellationToken, out var wait))
        {
            waiter = new ReadinessWaiter(SocketEventLoop.Inline);
            lock (_read)
            {
                (_others ??= []).Add(waiter);
            }

            waiter.TryArm(cancellationToken, out wait);
        }

        if (!Watching() || Volatile.Read(ref flag) != NotReady)
        {
            // Closed or not watchable (the waiter tries at once and meets the cause), or an event came between
            // the look at the flag and the arming.
            waiter.TrySignal();
        }

        return wait;
    }

    /// <summary>In the loop's set from the first wait on; false once closed or when the set refused it.</summary>
    private bool Watching()
    {
        if (Volatile.Read(ref _added))
        {
            return true;
        }

        lock (_read)
        {
            if (!_added && !_closed)
            {
                _added = _loop.Watch(_descriptor, Watched, _token) == 0;
            }

            return _added && !_closed;
        }
    }

    /// <summary>True when a read would not wait: something is queued, the peer closed, or the socket failed.</summary>
    private bool Peek()
    {
        try
        {
            return SocketStream.ReceiveWithoutWaiting(_socket, stackalloc byte[1], SocketFlags.Peek) >= 0;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>On the loop's thread: what the edge-triggered watch saw.</summary>
    internal void OnEvents(uint events)
    {
        // Set before the waiters are looked at (their wake reads it).
        if ((events & (EpollInterop.Error | EpollInterop.HangUp)) != 0)
        {
            Volatile.Write(ref _failed, 1);
        }

        if ((events & EpollInterop.PeerClosedWrite) != 0)
        {
            Volatile.Write(ref _readEnded, 1);
        }

        if ((events & ReadEvents) != 0)
        {
            Signal(_read, ref _readable);
        }

        if ((events & WriteEvents) != 0)
        {
            if (_write is { } write)
            {
                Signal(write, ref _writable);
            }
            else
            {
                Volatile.Write(ref _writable, Maybe);
            }
        }

        if (Volatile.Read(ref _others) is not null)
        {
            SignalOthers();
        }
    }

    /// <summary>Wakes every other wait (each then tries, and waits again if it must).</summary>
    private void SignalOthers()
    {
        List<ReadinessWaiter>? others;
        lock (_read)
        {
            others = _others;
            _others = null;
        }

        if (others is not null)
        {
            foreach (var waiter in others)
            {
                waiter.TrySignal();
            }
        }
    }

    private static void Signal(ReadinessWaiter waiter, ref int flag)
    {
        // An armed waiter is parked: nobody read since the kernel saw this, so the read it wakes finds something.
        if (Volatile.Read(ref flag) == NotReady && waiter.IsArmed)
        {
            Interlocked.CompareExchange(ref flag, Ready, NotReady);
            if (waiter.TrySignal())
            {
                return;
            }
        }

        Interlocked.CompareExchange(ref flag, Maybe, NotReady);
        waiter.TrySignal();
    }

    /// <summary>Out of the loop for good, before the descriptor is closed or handed on; pending waits end as ready.</summary>
    public void Close()
    {
        bool added;
        lock (_read)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            added = _added;

            // Watching's unlocked look reads this: a wait after the close must end at once, not be armed.
            _added = false;
        }

        _loop.Delist(_descriptor, _token, added);
        Volatile.Write(ref _readable, Ready);
        Volatile.Write(ref _writable, Ready);
        _read.TrySignal();
        _write?.TrySignal();
        SignalOthers();
    }
}
