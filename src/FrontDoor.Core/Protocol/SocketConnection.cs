using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using FrontDoor.Core.Protocol.Parking;

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
    private SocketStream? _network;

    // Set once an operation has waited in .NET's epoll set: the socket is registered there from then on.
    private bool _waitedInRuntime;

    public SocketConnection(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
    }

    /// <summary>A connection over <paramref name="descriptor"/>, a connected socket handed back by <see cref="ParkedSockets{TState}"/>.</summary>
    /// <exception cref="SocketException">It is no longer a connected socket; the descriptor is closed.</exception>
    public static SocketConnection Adopt(int descriptor)
    {
        var handle = new SafeSocketHandle(descriptor, ownsHandle: true);
        try
        {
            return new SocketConnection(new Socket(handle));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public override Stream TransportStream => _network ??= new SocketStream(_socket);

    // Read from the socket (which caches them) when asked, and only while open: most connections, the
    // backend's among them, never need their addresses, and each one held is memory for the session's life.
    public override IPEndPoint? RemoteEndPoint => _socket.RemoteEndPoint as IPEndPoint;

    public override IPEndPoint? LocalEndPoint => _socket.LocalEndPoint as IPEndPoint;

    internal override async ValueTask SendToTransportAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        // A greeting always fits a new connection's send buffer: sent without waiting, it leaves no send
        // state on the socket for the silent connection's life (SocketStream).
        data = data[SocketStream.SendWithoutWaiting(_socket, data.Span)..];
        while (!data.IsEmpty)
        {
            _waitedInRuntime = true;
            var sent = await _socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    private protected override System.Runtime.InteropServices.SafeHandle TransportSocket => _socket.SafeHandle;

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
    /// Gives up the socket as a bare descriptor (a copy; this connection's own is closed), for
    /// <see cref="ParkedSockets{TState}"/>. Only while nothing but non-blocking sends has used it: a stream
    /// may hold bytes read ahead or TLS state, and a socket that has waited in .NET's epoll set stays
    /// registered there for as long as any copy of its descriptor is open.
    /// </summary>
    /// <returns>False (and the connection unchanged) when it cannot be given up.</returns>
    [SupportedOSPlatform("linux")]
    public bool TryDetach(out int descriptor)
    {
        descriptor = -1;
        if (_network is not null || _waitedInRuntime)
        {
            return false;
        }

        descriptor = EpollInterop.Duplicate(Descriptor);
        if (descriptor < 0)
        {
            return false;
        }

        _socket.Dispose();
        return true;
    }

    internal override ValueTask<int> WaitForTransportDataAsync(CancellationToken cancellationToken) =>
        _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken);

    public override void StopWaiting()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Receive);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Gone already: the wait has ended.
        }
    }

    public override void Abort()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
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

    internal override async ValueTask DisposeTransportAsync()
    {
        if (_network is not null)
        {
            await _network.DisposeAsync().ConfigureAwait(false);
        }

        _socket.Dispose();
    }
}
