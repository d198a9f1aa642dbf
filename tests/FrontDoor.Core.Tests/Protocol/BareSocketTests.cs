using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Events;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>
/// A socket made again from a parked descriptor without .NET reading its addresses (BareSocket): the runtime
/// still has the constructor it needs, and FrontDoor reads both addresses itself, over real loopback TCP.
/// </summary>
[SupportedOSPlatform("linux")]
public class BareSocketTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task A_bare_socket_knows_nothing_and_FrontDoor_reads_both_addresses(string loopback)
    {
        var address = IPAddress.Parse(loopback);
        using var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, 0));
        listener.Listen();
        using var client = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var accepted = await listener.AcceptAsync();

        var descriptor = EpollInterop.Duplicate((int)accepted.SafeHandle.DangerousGetHandle());
        Assert.True(descriptor >= 0);
        using var handle = new SafeSocketHandle(descriptor, ownsHandle: true);
        using var bare = BareSocket.TryWrap(handle);

        // Null would mean this runtime lost the constructor: every first command would read the addresses again.
        Assert.NotNull(bare);
        Assert.Equal(AddressFamily.Unknown, bare.AddressFamily);
        Assert.Null(bare.RemoteEndPoint);
        Assert.Null(bare.LocalEndPoint);
        Assert.Equal(client.LocalEndPoint, SocketInterop.EndPointOf(bare, peer: true));
        Assert.Equal(listener.LocalEndPoint, SocketInterop.EndPointOf(bare, peer: false));
    }

    [Fact]
    public async Task A_connection_adopted_over_a_bare_socket_carries_bytes_both_ways_and_gives_its_addresses()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        var accepted = new SocketConnection(await listener.AcceptAsync());
        Assert.True(accepted.TryDetach(out var descriptor));
        await using var adopted = SocketConnection.Adopt(descriptor);

        Assert.Equal(client.LocalEndPoint, adopted.RemoteEndPoint);
        Assert.Equal(listener.LocalEndPoint, adopted.LocalEndPoint);
        await client.SendAsync("a1 NOOP\r\n"u8.ToArray());
        var request = new byte[9];
        await adopted.TransportStream.ReadExactlyAsync(request);
        Assert.Equal("a1 NOOP\r\n", System.Text.Encoding.ASCII.GetString(request));
        await adopted.SendAsync("a1 OK\r\n"u8.ToArray(), CancellationToken.None);
        var reply = new byte[7];
        Assert.Equal(7, await client.ReceiveAsync(reply));
        Assert.Equal("a1 OK\r\n", System.Text.Encoding.ASCII.GetString(reply));
    }
}
