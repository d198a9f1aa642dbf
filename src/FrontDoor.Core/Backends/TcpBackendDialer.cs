using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Runtime.CompilerServices;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Events;

namespace FrontDoor.Core.Backends;

/// <summary>Production's way to a backend: a TCP connect to the endpoint's host and port.</summary>
internal sealed class TcpBackendDialer : IBackendDialer
{
    // Pooled: a login is one connect, and its state machine box is reused by the next one.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ImapConnection> ConnectAsync(BackendEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsLinux() && SocketEventLoop.Enabled)
        {
            return await ConnectOnEventLoopAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken).ConfigureAwait(false);
            return new SocketConnection(socket, onEventLoop: false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Each of the host's addresses in turn, as <see cref="Socket.ConnectAsync(string, int, CancellationToken)"/> tries them.</summary>
    [SupportedOSPlatform("linux")]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<ImapConnection> ConnectOnEventLoopAsync(BackendEndpoint endpoint, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);
        SocketException? failed = null;
        foreach (var address in addresses)
        {
            try
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                return await SocketConnection.ConnectOnEventLoopAsync(socket, new IPEndPoint(address, endpoint.Port), cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                failed = ex;
            }
        }

        throw failed ?? new SocketException((int)SocketError.HostNotFound);
    }
}
