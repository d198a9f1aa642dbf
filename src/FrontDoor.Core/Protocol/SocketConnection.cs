using System.Net;
using System.Net.Sockets;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// An <see cref="ImapConnection"/> over a TCP socket: production's transport, for clients and backends alike.
/// The network stream is made when first needed (a PROXY header, the pipes, TLS): a greeted client that
/// stays silent is this object, its socket and one pending zero-byte receive.
/// </summary>
internal sealed class SocketConnection : ImapConnection
{
    private readonly Socket _socket;
    private SocketStream? _network;

    public SocketConnection(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
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
            var sent = await _socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
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
