using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Hosting;

/// <summary>A bound, listening TCP socket; each accepted socket becomes a <see cref="SocketConnection"/>.</summary>
internal sealed class SocketListener : IConnectionListener
{
    private readonly Socket _socket;

    public SocketListener(Socket socket)
    {
        _socket = socket;
        EndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    // Pooled: the accept loop awaits one accept after another, so one state machine box serves them all.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ImapConnection?> AcceptAsync()
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            catch (SocketException)
            {
                // The listener was closed (Dispose), or this one accept failed (e.g. the peer reset).
                if (_socket.SafeHandle.IsClosed)
                {
                    return null;
                }

                continue;
            }

            try
            {
                return new SocketConnection(accepted);
            }
            catch (SocketException)
            {
                // Reset before it could be set up.
                accepted.Dispose();
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
