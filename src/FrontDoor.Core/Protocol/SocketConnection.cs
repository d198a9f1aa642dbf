using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using FrontDoor.Core.Protocol.Events;
using FrontDoor.Core.Protocol.Parking;
using FrontDoor.Core.Protocol.Splicing;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// An <see cref="ImapConnection"/> over a TCP socket: production's transport, for clients and backends alike.
/// The network stream is made when first needed (a PROXY header that had to be waited for, the pipes, TLS).
/// A greeted client that stays silent gives its socket up as a bare descriptor to be parked
/// (<see cref="TryDetach"/>) and is made again from it (<see cref="Adopt"/>) when it speaks.
/// </summary>
internal sealed class SocketConnection : ImapConnection
{
    private readonly Socket _socket;
    private readonly bool _onEventLoop;
    private SocketStream? _network;
    private SocketReadiness? _events;

    // Set once an operation has waited in .NET's epoll set: the socket is registered there from then on.
    private bool _waitedInRuntime;

    // A BareSocket (Adopt): .NET does not know its addresses; FrontDoor reads them from the system when asked.
    private bool _bare;

    // Its descriptor given up to be parked (TryDetach): the Socket no longer owns it and is not disposed.
    private bool _detached;

    // Shutdowns in flight, and Closing once the close has begun. A session is stopped from other threads (a
    // kick, the idle sweeper, FrontDoor stopping) while its own thread may be closing the socket; a close that
    // finds a call still holding the descriptor makes .NET reset the connection to unblock it (connect with
    // AF_UNSPEC), and a reset makes the client's next send fail before it has read the BYE in its queue.
    // Aborted once Abort has shut both ways: the relay aborts the backend to stop its pump, and the close
    // aborts every connection again, a shutdown the kernel can only refuse (ENOTCONN).
    private int _shutdowns;
    private const int Closing = 1 << 30;
    private const int Aborted = 1 << 29;
    private const int Flags = Closing | Aborted;

    /// <param name="socket">A connected socket.</param>
    /// <param name="onEventLoop">
    /// False for a socket that has waited in .NET's engine already (a connect there): it stays registered there,
    /// and a second watch would wake two threads per event, so it keeps waiting in .NET's engine.
    /// </param>
    public SocketConnection(Socket socket, bool onEventLoop = true)
        : this(socket, onEventLoop, noDelaySet: false)
    {
    }

    /// <param name="socket">A connected socket.</param>
    /// <param name="onEventLoop">As in the public constructor.</param>
    /// <param name="noDelaySet">
    /// True when TCP_NODELAY is set on the socket already: a parked descriptor (<see cref="Adopt"/>) is the
    /// one whose connection set it before parking (<see cref="TryDetach"/>), and the option is the socket's.
    /// </param>
    private SocketConnection(Socket socket, bool onEventLoop, bool noDelaySet)
    {
        _socket = socket;
        if (!noDelaySet)
        {
            _socket.NoDelay = true;
        }

        _onEventLoop = onEventLoop;
    }

    /// <summary>A connection over <paramref name="socket"/>, connected on the loop, keeping the readiness its connect waited on.</summary>
    [SupportedOSPlatform("linux")]
    private SocketConnection(Socket socket, SocketReadiness? events)
        : this(socket)
    {
        _events = events;
    }

    /// <summary>The pending error of a non-blocking connect (getsockopt SOL_SOCKET, SO_ERROR: Linux numbers), as an errno; 0 when it connected.</summary>
    [SupportedOSPlatform("linux")]
    private static int ConnectError(Socket socket)
    {
        const int SocketLevel = 1, ErrorOption = 4;
        Span<byte> value = stackalloc byte[sizeof(int)];
        return socket.GetRawSocketOption(SocketLevel, ErrorOption, value) == sizeof(int) ? BitConverter.ToInt32(value) : 0;
    }

    /// <summary>A connection over <paramref name="descriptor"/>, a connected socket handed back by <see cref="ParkedSockets{TState}"/>.</summary>
    /// <exception cref="SocketException">It is no longer a connected socket; the descriptor is closed.</exception>
    /// <remarks>
    /// Where every call on it is FrontDoor's own (Linux, the event loop on), the socket is a
    /// <see cref="BareSocket"/>: its addresses are read only when asked, so a session that never asks makes none.
    /// TCP_NODELAY is not set again: <see cref="TryDetach"/> gave up the descriptor of a connection that set it.
    /// </remarks>
    public static SocketConnection Adopt(int descriptor)
    {
        var handle = new SafeSocketHandle(descriptor, ownsHandle: true);
        try
        {
            return OperatingSystem.IsLinux() && SocketEventLoop.Enabled && BareSocket.TryWrap(handle) is { } bare
                ? new SocketConnection(bare, onEventLoop: true, noDelaySet: true) { _bare = true }
                : new SocketConnection(new Socket(handle), onEventLoop: true, noDelaySet: true);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects <paramref name="socket"/> (new, not connected) to <paramref name="remote"/> with the wait on
    /// FrontDoor's event loop, so the connection never waits in .NET's engine (<see cref="SocketEventLoop"/>).
    /// The connection is made over the same socket and keeps the readiness the connect waited on: .NET saw only
    /// the connect's start, so the socket does not know its addresses (<see cref="RemoteEndPoint"/> and
    /// <see cref="LocalEndPoint"/> are null; nothing asks a backend's), and no second <see cref="Socket"/> is
    /// made to read them back (bench/README.md, garbage per login). <paramref name="socket"/> is disposed
    /// when the connect fails.
    /// </summary>
    /// <exception cref="SocketException">The connect failed.</exception>
    /// <exception cref="OperationCanceledException">It was cancelled first.</exception>
    [SupportedOSPlatform("linux")]
    public static ValueTask<SocketConnection> ConnectOnEventLoopAsync(Socket socket, EndPoint remote, CancellationToken cancellationToken) =>
        ConnectOnEventLoopAsync(socket, remote.Serialize(), loop: null, cancellationToken);

    /// <inheritdoc cref="ConnectOnEventLoopAsync(Socket, EndPoint, CancellationToken)"/>
    /// <param name="remote">The address as the system takes it (<see cref="EndPoint.Serialize"/>), which a caller may keep and share: it is only read.</param>
    /// <param name="loop">The loop to wait on (the session's client's, <see cref="ImapConnection.EventLoop"/>); null for <see cref="SocketEventLoop.Next"/>'s choice.</param>
    /// <param name="nonBlocking">True for a socket made non-blocking by socket(2) (<see cref="SocketInterop.TryNewNonBlockingSocket"/>): no call to make it so.</param>
    [SupportedOSPlatform("linux")]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<SocketConnection> ConnectOnEventLoopAsync(Socket socket, SocketAddress remote, SocketEventLoop? loop, CancellationToken cancellationToken, bool nonBlocking = false)
    {
        SocketReadiness? events = null;
        try
        {
            if (!nonBlocking)
            {
                SocketInterop.MakeNonBlocking(socket);
            }

            var started = LibC.StartConnect(socket.SafeHandle, remote);
            if (started != 0 && started != LibC.InProgress)
            {
                throw new SocketException((int)LibC.SocketErrorOf(started));
            }

            // Made even for a connect that completed at once, so the connection's waits are on the loop asked for.
            events = new SocketReadiness(socket, loop);
            if (started == LibC.InProgress)
            {
                await events.WaitWritableAsync(cancellationToken).ConfigureAwait(false);

                // A connect that failed shows as EPOLLERR (a refused or unreachable one with EPOLLHUP too, the
                // socket being closed): only then is its error read. Writable without either, it is connected,
                // and the getsockopt(2) would be a system call per login for nothing (bench/README.md,
                // per-login system calls). Unix's SO_ERROR, read raw: GetSocketOption returns it as an object,
                // a boxed int per connect.
                if (events.Failed && ConnectError(socket) is var error and not 0)
                {
                    throw new SocketException((int)LibC.SocketErrorOf(error));
                }
            }

            events.NothingReadYet();
            return new SocketConnection(socket, events);
        }
        catch
        {
            // Out of the loop's set before the descriptor is closed: its number is reused at once.
            events?.Close();
            socket.Dispose();
            throw;
        }
    }

    public override Stream TransportStream
    {
        get
        {
            if (_network is null)
            {
                var events = Events;
                if (events is null)
                {
                    // SocketStream's NetworkStream takes only a blocking socket.
                    _socket.Blocking = true;
                }

                _network = new SocketStream(_socket, events);
            }

            return _network;
        }
    }

    /// <summary>The socket's waits on FrontDoor's event loop (made at the first need); null where .NET's engine waits.</summary>
    private SocketReadiness? Events
    {
        get
        {
            if (_events is null && _onEventLoop && OperatingSystem.IsLinux() && SocketEventLoop.Enabled)
            {
                // Non-blocking for good: every call on it is a try, and waits are the loop's. Made so by
                // FrontDoor, not through .NET's Blocking, which would make the asynchronous context this
                // socket never uses (SocketInterop).
                SocketInterop.MakeNonBlocking(_socket);
                _events = new SocketReadiness(_socket);
            }

            return _events;
        }
    }

    /// <summary>The loop the socket waits on, once it has waited; null before, and where .NET's engine waits.</summary>
    internal override SocketEventLoop? EventLoop => OperatingSystem.IsLinux() ? _events?.Loop : null;

    // Read from the socket (which caches them) when asked, and only while open: most connections, the
    // backend's among them, never need their addresses, and each one held is memory for the session's life.
    // Null for a backend connected on the loop (ConnectOnEventLoopAsync); a bare socket's (Adopt) are read
    // from the system at each call.
    public override IPEndPoint? RemoteEndPoint => OperatingSystem.IsLinux() && _bare ? SocketInterop.EndPointOf(_socket, peer: true) : _socket.RemoteEndPoint as IPEndPoint;

    public override IPEndPoint? LocalEndPoint => OperatingSystem.IsLinux() && _bare ? SocketInterop.EndPointOf(_socket, peer: false) : _socket.LocalEndPoint as IPEndPoint;

    internal override async ValueTask SendToTransportAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        // A greeting always fits a new connection's send buffer: sent without waiting, it leaves no send
        // state on the socket for the silent connection's life (SocketStream), and on Linux not even the
        // socket's asynchronous context (SocketInterop).
        data = data[SocketStream.SendWithoutWaiting(_socket, data.Span)..];
        if (!data.IsEmpty && OperatingSystem.IsLinux() && Events is { } events)
        {
            await SocketStream.SendWaitingAsync(_socket, events, data, cancellationToken).ConfigureAwait(false);
            return;
        }

        while (!data.IsEmpty)
        {
            _waitedInRuntime = true;
            var sent = await _socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    private protected override System.Runtime.InteropServices.SafeHandle TransportSocket => _socket.SafeHandle;

    [SupportedOSPlatform("linux")]
    internal override long SpliceInto(KernelPipe pipe, long count)
    {
        var events = _events;
        if (events is null)
        {
            return base.SpliceInto(pipe, count);
        }

        // Told as the stream's reads tell it, so a later wait does not trust a readiness this read took.
        var requested = Math.Min(count, pipe.Room);
        events.ReadStarting();
        var filled = base.SpliceInto(pipe, requested);
        events.ReadDone(filled, requested);
        return filled;
    }

    /// <summary>The socket's descriptor, for a wait in <see cref="ParkedSockets{TState}"/> that leaves it this connection's.</summary>
    public int Descriptor => (int)_socket.SafeHandle.DangerousGetHandle();

    /// <summary>
    /// Reads a PROXY header that is in the receive queue already (a balancer sends it with the connection),
    /// without waiting and without a stream: the connection stays a bare socket that can still be parked.
    /// </summary>
    /// <returns>
    /// Complete: the header is consumed. Incomplete: nothing is consumed; wait for more. Invalid: nothing
    /// is consumed; <see cref="ProxyProtocolHeader.ReadAsync"/> on <see cref="TransportStream"/> says why.
    /// Closed: the peer closed first.
    /// </returns>
    public ProxyHeaderStatus TryReadProxyHeaderWithoutWaiting(out IPEndPoint? client)
    {
        client = null;
        Span<byte> queued = stackalloc byte[ProxyProtocolHeader.MaxLength];
        var peeked = SocketStream.ReceiveWithoutWaiting(_socket, queued, SocketFlags.Peek);
        if (peeked == 0)
        {
            return ProxyHeaderStatus.Closed;
        }

        var status = ProxyProtocolHeader.TryParse(queued[..Math.Max(peeked, 0)], out var length, out client);
        if (status != ProxyHeaderStatus.Complete)
        {
            client = null;
            return status;
        }

        // The octets looked at are queued: taking the header's own can only come up short if the socket broke.
        return SocketStream.ReceiveWithoutWaiting(_socket, queued[..length], SocketFlags.None) == length
            ? status
            : throw new IOException("the connection broke while its PROXY header was read");
    }

    /// <summary>
    /// Gives up the socket as a bare descriptor (the connection's own, taken out of its <see cref="Socket"/>),
    /// for <see cref="ParkedSockets{TState}"/>. Only while nothing but non-blocking sends has used it: a stream
    /// may hold bytes read ahead or TLS state, and a socket that has waited in .NET's epoll set stays
    /// registered there for as long as its descriptor is open.
    /// </summary>
    /// <returns>False (and the connection unchanged) when it cannot be given up.</returns>
    /// <remarks>
    /// The handle is marked no longer the socket's (<see cref="System.Runtime.InteropServices.SafeHandle.SetHandleAsInvalid"/>),
    /// so neither .NET nor this connection closes the descriptor, rather than copied (dup) and closed: two
    /// system calls per parked connection (bench/README.md, per-login system calls). The <see cref="Socket"/>
    /// is then dropped, not disposed: its close waits for a release that a handle so marked never makes
    /// (<see cref="DisposeTransportAsync"/> skips it). A call still holding the handle from another thread
    /// (a shutdown) ends on the same socket, as it did on the copy's.
    /// </remarks>
    [SupportedOSPlatform("linux")]
    public bool TryDetach(out int descriptor)
    {
        descriptor = -1;
        if (_network is not null || _waitedInRuntime || _events is not null || _detached)
        {
            return false;
        }

        descriptor = Descriptor;
        _detached = true;
        _socket.SafeHandle.SetHandleAsInvalid();

        // The dropped Socket's finalizer would only dispose a handle marked closed: skipped, as its Dispose would.
#pragma warning disable CA1816 // Suppressed for the Socket this connection drops, not for itself.
        GC.SuppressFinalize(_socket);
#pragma warning restore CA1816
        return true;
    }

    internal override ValueTask<int> WaitForTransportDataAsync(CancellationToken cancellationToken) =>
        OperatingSystem.IsLinux() && Events is { } events
            ? events.WaitReadableAsync(cancellationToken)
            : _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken);

    public override void StopWaiting()
    {
        try
        {
            Shutdown(SocketShutdown.Receive);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Gone already: the wait has ended.
        }
    }

    public override void Abort()
    {
        if ((Interlocked.Or(ref _shutdowns, Aborted) & Aborted) != 0)
        {
            return;
        }

        try
        {
            Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already gone: nothing to stop.
        }
        catch (ObjectDisposedException)
        {
            // Already disposed by the other pump.
        }
    }

    /// <summary>
    /// FrontDoor's own shutdown for a socket on the loop: .NET's throws for a backend connected on the loop
    /// once the peer has reset it, and makes the asynchronous context of a socket that has none (SocketInterop).
    /// .NET's where .NET waits.
    /// </summary>
    private void Shutdown(SocketShutdown how)
    {
        try
        {
            if ((Interlocked.Increment(ref _shutdowns) & Closing) != 0)
            {
                // Closing: the close ends every wait, and this call must not hold the descriptor under it.
                return;
            }

            if (OperatingSystem.IsLinux() && (_events is not null || !_socket.Connected))
            {
                SocketInterop.Shutdown(_socket, how);
                return;
            }

            _socket.Shutdown(how);
        }
        finally
        {
            Interlocked.Decrement(ref _shutdowns);
        }
    }

    /// <summary>Turns further shutdowns away and waits out those in flight (a system call each), so the close is a FIN.</summary>
    private void WaitOutShutdowns()
    {
        var spin = default(SpinWait);
        while ((Interlocked.Or(ref _shutdowns, Closing) & ~Flags) != 0)
        {
            spin.SpinOnce();
        }
    }

    internal override async ValueTask DisposeTransportAsync()
    {
        WaitOutShutdowns();

        // Out of the loop's set before the descriptor is closed: its number is reused at once.
        if (OperatingSystem.IsLinux())
        {
            _events?.Close();
        }

        if (_network is not null)
        {
            await _network.DisposeAsync().ConfigureAwait(false);
        }

        if (!_detached)
        {
            _socket.Dispose();
        }
    }
}
