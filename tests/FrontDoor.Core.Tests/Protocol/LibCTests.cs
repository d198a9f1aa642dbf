using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using FrontDoor.Core.Backends;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>
/// <see cref="LibC.SocketErrorOf"/>, FrontDoor's own reading of a connect's errno, against .NET's: its mapping
/// back from a <see cref="SocketError"/> to the errno (<see cref="SocketException.NativeErrorCode"/>), and
/// the error .NET's own <see cref="Socket.Connect(EndPoint)"/> reports for the same real failure.
/// </summary>
[SupportedOSPlatform("linux")]
public class LibCTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(13, SocketError.AccessDenied)]
    [InlineData(22, SocketError.InvalidArgument)]
    [InlineData(97, SocketError.AddressFamilyNotSupported)]
    [InlineData(99, SocketError.AddressNotAvailable)]
    [InlineData(101, SocketError.NetworkUnreachable)]
    [InlineData(105, SocketError.NoBufferSpaceAvailable)]
    [InlineData(110, SocketError.TimedOut)]
    [InlineData(111, SocketError.ConnectionRefused)]
    [InlineData(113, SocketError.HostUnreachable)]
    public void An_errno_reads_as_the_socket_error_that_dotnet_maps_back_to_it(int errno, SocketError expected)
    {
        Assert.Equal(expected, LibC.SocketErrorOf(errno));
        Assert.Equal(errno, new SocketException((int)expected).NativeErrorCode);
    }

    [Fact]
    public void A_refusal_by_policy_reads_as_access_denied_as_a_permission_error_does()
    {
        // EPERM (a firewall's refusal); .NET maps AccessDenied back to EACCES only.
        Assert.Equal(SocketError.AccessDenied, LibC.SocketErrorOf(1));
    }

    [Theory]
    [InlineData(95)]
    [InlineData(1000)]
    public void An_errno_it_does_not_know_reads_as_a_plain_socket_error(int errno)
    {
        Assert.Equal(SocketError.SocketError, LibC.SocketErrorOf(errno));
    }

    /// <summary>Connects that the kernel fails at once, each with its errno; the family is the socket's.</summary>
    public static TheoryData<string, string, int> ImmediateFailures => new()
    {
        // tcp_v4_connect refuses a multicast or broadcast destination: ENETUNREACH.
        { "InterNetwork", "224.0.0.1", 101 },
        { "InterNetwork", "255.255.255.255", 101 },
        // An IPv6 address on an IPv4 socket: EAFNOSUPPORT.
        { "InterNetwork", "::1", 97 },
        // A link-local IPv6 address without an interface (no scope id): EINVAL.
        { "InterNetworkV6", "fe80::1", 22 },
    };

    [Theory]
    [MemberData(nameof(ImmediateFailures))]
    public void A_connect_that_fails_at_once_reads_as_dotnet_reads_it(string family, string address, int errno)
    {
        var remote = new IPEndPoint(IPAddress.Parse(address), 143);
        using var socket = NewSocket(family);
        socket.Blocking = false;

        var started = LibC.StartConnect(socket.SafeHandle, remote.Serialize());

        Assert.Equal(errno, started);
        Assert.Equal(DotnetConnectError(family, remote), LibC.SocketErrorOf(started));
    }

    [Fact]
    public void A_blocking_connect_to_a_closed_port_reads_as_dotnet_reads_it()
    {
        var remote = new IPEndPoint(IPAddress.Loopback, ClosedPort());
        using var socket = NewSocket("InterNetwork");

        // Blocking, so the refusal is the connect's own errno (non-blocking, loopback says "in progress" first).
        var started = LibC.StartConnect(socket.SafeHandle, remote.Serialize());

        Assert.Equal(111, started);
        Assert.Equal(DotnetConnectError("InterNetwork", remote), LibC.SocketErrorOf(started));
    }

    [Theory]
    [MemberData(nameof(ImmediateFailures))]
    public async Task A_backend_connect_on_the_event_loop_fails_as_dotnet_s_own_connect_does(string family, string address, int errno)
    {
        var remote = new IPEndPoint(IPAddress.Parse(address), 143);

        var failed = await Assert.ThrowsAsync<SocketException>(() => SocketConnection.ConnectOnEventLoopAsync(NewSocket(family), remote, CancellationToken.None).AsTask().WaitAsync(Patience));

        // The immediate path's own reading, and the same as .NET's.
        Assert.Equal(LibC.SocketErrorOf(errno), failed.SocketErrorCode);
        Assert.Equal(DotnetConnectError(family, remote), failed.SocketErrorCode);
    }

    [Fact]
    public async Task The_backend_dialer_reports_an_immediate_failure_as_dotnet_does()
    {
        var dialer = new TcpBackendDialer();

        var failed = await Assert.ThrowsAsync<SocketException>(() => dialer.ConnectAsync(new BackendEndpoint("224.0.0.1", 143), client: null, CancellationToken.None).AsTask().WaitAsync(Patience));

        Assert.Equal(SocketError.NetworkUnreachable, failed.SocketErrorCode);
    }

    [Fact]
    public async Task The_backend_dialer_reports_a_refused_connect_whether_it_failed_at_once_or_on_the_loop()
    {
        // Refused connects over loopback fail in connect(2) itself or just after, as an EPOLLERR on the loop,
        // whose error only then is read (SO_ERROR): each round may take either path.
        var dialer = new TcpBackendDialer();
        for (var round = 0; round < 20; round++)
        {
            var refused = await Assert.ThrowsAsync<SocketException>(() => dialer.ConnectAsync(new BackendEndpoint("127.0.0.1", ClosedPort()), client: null, CancellationToken.None).AsTask().WaitAsync(Patience));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
    }

    private static Socket NewSocket(string family) => new(Enum.Parse<AddressFamily>(family), SocketType.Stream, ProtocolType.Tcp);

    private static SocketError DotnetConnectError(string family, IPEndPoint remote)
    {
        using var socket = NewSocket(family);
        return Assert.Throws<SocketException>(() => socket.Connect(remote)).SocketErrorCode;
    }

    private static int ClosedPort()
    {
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)closed.LocalEndPoint!).Port;
    }
}
