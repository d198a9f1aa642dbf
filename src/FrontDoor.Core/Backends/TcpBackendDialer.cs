using System.Net.Sockets;
using System.Runtime.CompilerServices;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Backends;

/// <summary>Production's way to a backend: a TCP connect to the endpoint's host and port.</summary>
internal sealed class TcpBackendDialer : IBackendDialer
{
    // Pooled: a login is one connect, and its state machine box is reused by the next one.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ImapConnection> ConnectAsync(BackendEndpoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken).ConfigureAwait(false);
            return new SocketConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
