using System.Net.Sockets;
using System.Runtime.Versioning;
using FrontDoor.Core.Protocol.Parking;

namespace FrontDoor.Core.Protocol.Events;

/// <summary>
/// A socket's waits on a <see cref="SocketEventLoop"/>: one reader and one writer, each woken when the socket is
/// ready for it. Made at a connection's first wait, so a connection that never waits (a parked one) has none.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class SocketReadiness
{
    private const uint ReadEvents = EpollInterop.Readable | EpollInterop.PeerClosedWrite;
    private const uint WriteEvents = EpollInterop.Writable;

    private readonly SocketEventLoop _loop;
    private readonly Socket _socket;
    private readonly int _descriptor;
    private readonly ulong _token;
    private readonly ReadinessWaiter _read;
    private ReadinessWaiter? _write;

    // Guarded by _read (a private object): what the pending waits watch for, whether the descriptor is in the
    // set, and whether it has been taken out for good.
    private uint _interest;
    private bool _added;
    private bool _closed;

    // Ready: an event said so (the one-shot watch is off until the next wait, so no later event can make it
    // stale), or a read met the end. Maybe: a read filled its buffer. A read tries whatever it says; a
    // zero-byte wait trusts Ready and peeks on Maybe, so it never ends with nothing to read, and a pipe's read
    // after it never waits holding its buffer.
    private int _readable;

    private const int NotReady = 0;
    private const int Ready = 1;
    private const int Maybe = 2;

    public SocketReadiness(Socket socket)
    {
        _socket = socket;
        _descriptor = (int)socket.SafeHandle.DangerousGetHandle();
        _loop = SocketEventLoop.Next();
        _read = new ReadinessWaiter(SocketEventLoop.Inline);
        _token = _loop.Enlist(this);
    }

    /// <summary>Called just before a read: what it does not find, it waits for.</summary>
    public void ReadStarting() => Volatile.Write(ref _readable, NotReady);

    /// <summary>Called after a read that filled its buffer: more may be there, and no event will say so.</summary>
    public void ReadFilled() => Volatile.Write(ref _readable, Maybe);

    /// <summary>Called after a read that met the end: every later read meets it at once.</summary>
    public void ReadEnded() => Volatile.Write(ref _readable, Ready);

    /// <summary>Completes when the socket is readable (data, the end, an error): at once when it is already.</summary>
    public ValueTask<int> WaitReadableAsync(CancellationToken cancellationToken)
    {
        switch (Volatile.Read(ref _readable))
        {
            case Ready:
                return ValueTask.FromResult(0);
            case Maybe when Peek():
                Volatile.Write(ref _readable, Ready);
                return ValueTask.FromResult(0);
            default:
                Volatile.Write(ref _readable, NotReady);
                return Wait(_read, ReadEvents, cancellationToken);
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

    /// <summary>Completes when the socket's send buffer has room (or it failed).</summary>
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

        return Wait(waiter, WriteEvents, cancellationToken);
    }

    private ValueTask<int> Wait(ReadinessWaiter waiter, uint events, CancellationToken cancellationToken)
    {
        var wait = waiter.Prepare(cancellationToken);
        int error;
        lock (_read)
        {
            if (_closed)
            {
                error = -1;
            }
            else
            {
                _interest |= events;
                error = _loop.Watch(_descriptor, _interest, _token, _added);
                _added |= error == 0;
            }
        }

        if (error != 0)
        {
            // Not watchable (closed, or out of kernel memory): the waiter tries at once and meets the cause.
            waiter.Signal();
        }

        return wait;
    }

    /// <summary>On the loop's thread: what the one-shot watch saw. The other direction's wait is watched again.</summary>
    internal void OnEvents(uint events)
    {
        var failed = (events & (EpollInterop.Error | EpollInterop.HangUp)) != 0;
        var readable = failed || (events & ReadEvents) != 0;
        var writable = failed || (events & WriteEvents) != 0;
        lock (_read)
        {
            if (readable)
            {
                _interest &= ~ReadEvents;
            }

            if (writable)
            {
                _interest &= ~WriteEvents;
            }

            if (_interest != 0 && !_closed)
            {
                _loop.Watch(_descriptor, _interest, _token, added: true);
            }
        }

        if (readable)
        {
            Volatile.Write(ref _readable, Ready);
            _read.Signal();
        }

        if (writable)
        {
            _write?.Signal();
        }
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
        }

        _loop.Delist(_descriptor, _token, added);
        Volatile.Write(ref _readable, Ready);
        _read.Signal();
        _write?.Signal();
    }
}
