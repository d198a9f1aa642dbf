using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Backends;

/// <summary>Production's way to a backend: a TCP connect to the endpoint's host and port.</summary>
internal sealed class TcpBackendDialer : IBackendDialer
{
    // An endpoint written as an address, parsed once (null for a host name, resolved at every connect).
    // A socket of the address's own family: the dual-mode default made an IPv4-mapped copy of the address
    // and its endpoint at every login (bench/README.md, garbage per login).
    private readonly ConcurrentDictionary<BackendEndpoint, IPEndPoint?> _addresses = new();

    // Pooled: a login is one connect, and its state machine box is reused by the next one.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ImapConnection> ConnectAsync(BackendEndpoint endpoint, CancellationToken cancellationToken)
    {
        var address = _addresses.GetOrAdd(endpoint, static e => IPAddress.TryParse(e.Host, out var parsed) ? new IPEndPoint(parsed, e.Port) : null);
        var socket = address is null ? new Socket(SocketType.Stream, ProtocolType.Tcp) : new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address is null)
            {
                await socket.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await socket.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
            }

            return new SocketConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
