using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Events;

namespace FrontDoor.Core.Backends;

/// <summary>Production's way to a backend: a TCP connect to the endpoint's host and port.</summary>
internal sealed class TcpBackendDialer : IBackendDialer
{
    // An endpoint written as an address, parsed once (null for a host name, resolved at every connect), and
    // connected from a socket of the address's own family: parsing it per login, or the dual-mode default
    // socket's IPv4-mapped copies, were addresses and endpoints at every login (bench/README.md, garbage per login).
    // Kept with the address as the system takes it, which the connect on the loop only reads.
    private readonly ConcurrentDictionary<BackendEndpoint, ParsedAddress?> _addresses = new();

    // Pooled: a login is one connect, and its state machine box is reused by the next one.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ImapConnection> ConnectAsync(BackendEndpoint endpoint, ImapConnection? client, CancellationToken cancellationToken)
    {
        var parsedAddress = _addresses.GetOrAdd(endpoint, static e => IPAddress.TryParse(e.Host, out var parsed) ? new ParsedAddress(new IPEndPoint(parsed, e.Port)) : null);
        var address = parsedAddress?.EndPoint;
        try
        {
            if (OperatingSystem.IsLinux() && SocketEventLoop.Enabled)
            {
                return await ConnectOnEventLoopAsync(endpoint, parsedAddress, client?.EventLoop, cancellationToken).ConfigureAwait(false);
            }

            var socket = NewSocket(address?.AddressFamily);
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

                return new SocketConnection(socket, onEventLoop: false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        catch (SocketException ex) when (LocalExhaustion.IsDescriptors(ex.SocketErrorCode))
        {
            // The runtime must keep room to start threads, and the listeners must stop adding connections.
            DescriptorReserve.Shared.OnExhausted();
            throw;
        }
    }

    /// <summary>A socket for <paramref name="family"/> (dual-mode when null), refused when it took one of the runtime's last descriptors.</summary>
    /// <exception cref="SocketException">EMFILE, or as good as: the login is refused as this node's fault.</exception>
    private static Socket NewSocket(AddressFamily? family) => Reserved(family is { } f ? new Socket(f, SocketType.Stream, ProtocolType.Tcp) : new Socket(SocketType.Stream, ProtocolType.Tcp));

    /// <summary>
    /// A socket for a connect on the loop: non-blocking from its socket(2) call where the runtime allows
    /// (<paramref name="nonBlocking"/>), which spares the connect a call to make it so.
    /// </summary>
    /// <inheritdoc cref="NewSocket(AddressFamily?)"/>
    [SupportedOSPlatform("linux")]
    private static Socket NewLoopSocket(AddressFamily family, out bool nonBlocking)
    {
        var socket = SocketInterop.TryNewNonBlockingSocket(family);
        nonBlocking = socket is not null;
        return socket is null ? NewSocket(family) : Reserved(socket);
    }

    /// <summary><paramref name="socket"/>, or (disposed) an EMFILE when it took one of the runtime's last descriptors.</summary>
    private static Socket Reserved(Socket socket)
    {
        if (DescriptorReserve.Shared.ConnectNearLimit((int)socket.SafeHandle.DangerousGetHandle()))
        {
            socket.Dispose();
            throw new SocketException((int)SocketError.TooManyOpenSockets);
        }

        return socket;
    }

    /// <summary>The address, or each of the host's addresses in turn, as <see cref="Socket.ConnectAsync(string, int, CancellationToken)"/> tries them.</summary>
    [SupportedOSPlatform("linux")]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<ImapConnection> ConnectOnEventLoopAsync(BackendEndpoint endpoint, ParsedAddress? address, SocketEventLoop? loop, CancellationToken cancellationToken)
    {
        if (address is not null)
        {
            var socket = NewLoopSocket(address.EndPoint.AddressFamily, out var nonBlocking);
            return await SocketConnection.ConnectOnEventLoopAsync(socket, address.Serialized, loop, cancellationToken, nonBlocking).ConfigureAwait(false);
        }

        var addresses = await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);
        SocketException? failed = null;
        foreach (var resolved in addresses)
        {
            try
            {
                var socket = NewLoopSocket(resolved.AddressFamily, out var nonBlocking);
                return await SocketConnection.ConnectOnEventLoopAsync(socket, new IPEndPoint(resolved, endpoint.Port).Serialize(), loop, cancellationToken, nonBlocking).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                failed = ex;
            }
        }

        throw failed ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>An endpoint written as an address: parsed, and as the system takes it.</summary>
    private sealed class ParsedAddress(IPEndPoint endPoint)
    {
        public IPEndPoint EndPoint { get; } = endPoint;

        public SocketAddress Serialized { get; } = endPoint.Serialize();
    }
}
