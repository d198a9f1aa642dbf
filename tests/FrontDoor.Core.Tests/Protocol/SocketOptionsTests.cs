using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using FrontDoor.Core.Backends;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Events;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>
/// The state each socket of a session must have, read back from the kernel over real loopback TCP, now that
/// a login makes fewer calls to set it (bench/README.md, per-login system calls): TCP_NODELAY on both sockets
/// (a parked client's is not set again when it is adopted), O_NONBLOCK on every socket that waits on the
/// loop, close-on-exec on a backend socket made by socket(2) directly.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SocketOptionsTests : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    // fcntl(2) F_GETFD and F_GETFL; FD_CLOEXEC; IPPROTO_TCP and TCP_NODELAY.
    private const int GetDescriptorFlags = 1;
    private const int GetStatusFlags = 3;
    private const int DescriptorCloseOnExec = 1;
    private const int TcpLevel = 6;
    private const int NoDelayOption = 1;

    private readonly List<IAsyncDisposable> _owned = [];

    [Fact]
    public async Task A_parked_client_adopted_again_keeps_nodelay_and_waits_non_blocking()
    {
        using var tcp = await LoopbackTcp.ConnectAsync();
        var client = tcp.Client;
        var accepted = new SocketConnection(tcp.TakeAccepted());
        Assert.True(HasNoDelay(accepted.Descriptor));
        Assert.False(IsNonBlocking(accepted.Descriptor));

        Assert.True(accepted.TryDetach(out var descriptor));
        var adopted = SocketConnection.Adopt(descriptor);
        _owned.Add(adopted);
        Assert.True(HasNoDelay(adopted.Descriptor));

        // Its first wait puts it on the loop, non-blocking for good.
        var waiting = adopted.WaitForDataAsync(CancellationToken.None).AsTask();
        Assert.True(IsNonBlocking(adopted.Descriptor));
        await client.SendAsync("a1 NOOP\r\n"u8.ToArray());
        await waiting.WaitAsync(Patience);
        Assert.True(HasNoDelay(adopted.Descriptor));
    }

    [Fact]
    public async Task A_client_that_waits_without_parking_is_non_blocking_with_nodelay()
    {
        using var tcp = await LoopbackTcp.ConnectAsync();
        var client = tcp.Client;
        var accepted = new SocketConnection(tcp.TakeAccepted());
        _owned.Add(accepted);

        var waiting = accepted.WaitForDataAsync(CancellationToken.None).AsTask();
        await client.SendAsync("a1 NOOP\r\n"u8.ToArray());
        await waiting.WaitAsync(Patience);

        Assert.True(IsNonBlocking(accepted.Descriptor));
        Assert.True(HasNoDelay(accepted.Descriptor));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task A_backend_socket_is_non_blocking_close_on_exec_and_nodelay(string loopback)
    {
        Assert.True(SocketEventLoop.Enabled);
        using var listener = Listen(IPAddress.Parse(loopback));
        var accepting = listener.AcceptAsync();
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;

        var connection = Assert.IsType<SocketConnection>(await new TcpBackendDialer().ConnectAsync(new BackendEndpoint(loopback, port), client: null, CancellationToken.None).AsTask().WaitAsync(Patience));
        _owned.Add(connection);
        using var server = await accepting.WaitAsync(Patience);

        Assert.True(IsNonBlocking(connection.Descriptor));
        Assert.Equal(DescriptorCloseOnExec, LibC.Fcntl(connection.Descriptor, GetDescriptorFlags, 0) & DescriptorCloseOnExec);
        Assert.True(HasNoDelay(connection.Descriptor));

        // And it carries bytes both ways.
        await connection.SendAsync("a1 NOOP\r\n"u8.ToArray(), CancellationToken.None);
        var request = new byte[9];
        Assert.Equal(9, await server.ReceiveAsync(request));
        await server.SendAsync("* OK\r\n"u8.ToArray());
        await connection.WaitForDataAsync(CancellationToken.None).AsTask().WaitAsync(Patience);
    }

    [Fact]
    public void Making_a_socket_non_blocking_keeps_its_other_flags()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var descriptor = (int)socket.SafeHandle.DangerousGetHandle();
        var before = LibC.Fcntl(descriptor, GetStatusFlags, 0);
        Assert.Equal(0, before & LibC.NonBlocking);

        SocketInterop.MakeNonBlocking(socket);
        SocketInterop.MakeNonBlocking(socket);

        Assert.Equal(before | LibC.NonBlocking, LibC.Fcntl(descriptor, GetStatusFlags, 0));
    }

    [Fact]
    public void A_non_blocking_socket_is_made_only_for_the_internet_families()
    {
        Assert.Null(SocketInterop.TryNewNonBlockingSocket(AddressFamily.Unix));
        using var socket = SocketInterop.TryNewNonBlockingSocket(AddressFamily.InterNetwork);
        Assert.NotNull(socket);
        Assert.True(IsNonBlocking((int)socket.SafeHandle.DangerousGetHandle()));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    private static Socket Listen(IPAddress address)
    {
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, 0));
        listener.Listen();
        return listener;
    }

    private static bool IsNonBlocking(int descriptor) => (LibC.Fcntl(descriptor, GetStatusFlags, 0) & LibC.NonBlocking) != 0;

    /// <summary>TCP_NODELAY as the kernel holds it, read through a second descriptor for the same socket (options are the socket's).</summary>
    private static bool HasNoDelay(int descriptor)
    {
        var copy = EpollInterop.Duplicate(descriptor);
        Assert.True(copy >= 0);
        using var handle = new SafeSocketHandle(copy, ownsHandle: true);
        using var socket = BareSocket.TryWrap(handle);
        Assert.NotNull(socket);
        Span<byte> value = stackalloc byte[sizeof(int)];
        Assert.Equal(sizeof(int), socket.GetRawSocketOption(TcpLevel, NoDelayOption, value));
        return BitConverter.ToInt32(value) != 0;
    }
}
