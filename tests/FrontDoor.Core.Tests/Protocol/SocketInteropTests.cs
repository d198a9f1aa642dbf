using System.Net.Sockets;
using System.Runtime.Versioning;
using FrontDoor.Core.Protocol;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>
/// The relay's own sends and receives (<see cref="SocketInterop"/>) over real loopback TCP: how a failed call
/// is told apart, from the errno it left, which they read only when the call failed.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SocketInteropTests
{
    [Fact]
    public async Task Nothing_queued_reads_as_none_yet_and_what_was_sent_arrives()
    {
        using var tcp = await LoopbackTcp.ConnectAsync();
        using var accepted = tcp.TakeAccepted();
        var buffer = new byte[16];
        Assert.Equal(-1, SocketInterop.ReceiveWithoutWaiting(accepted, buffer, peek: false));

        Assert.Equal(6, SocketInterop.SendWithoutWaiting(tcp.Client, "a NOOP"u8));
        SpinWait.SpinUntil(() => accepted.Available == 6, TimeSpan.FromSeconds(10));
        Assert.Equal(6, SocketInterop.ReceiveWithoutWaiting(accepted, buffer, peek: false));
        Assert.Equal("a NOOP"u8.ToArray(), buffer[..6]);
    }

    [Fact]
    public async Task A_full_send_buffer_reads_as_none_taken_not_as_a_failure()
    {
        using var tcp = await LoopbackTcp.ConnectAsync();
        using var accepted = tcp.TakeAccepted();
        accepted.ReceiveBufferSize = 4096;
        tcp.Client.SendBufferSize = 4096;
        var chunk = new byte[64 * 1024];
        var sent = 0L;
        int took;
        while ((took = SocketInterop.SendWithoutWaiting(tcp.Client, chunk)) > 0)
        {
            sent += took;
        }

        Assert.Equal(-1, took);
        Assert.True(sent > 0);
    }

    [Fact]
    public async Task A_connection_the_peer_reset_fails_as_reset_both_ways()
    {
        using var tcp = await LoopbackTcp.ConnectAsync();
        using var accepted = tcp.TakeAccepted();
        // SO_LINGER with no time: close sends a RST.
        accepted.LingerState = new LingerOption(true, 0);
        accepted.Close();
        SpinWait.SpinUntil(() => tcp.Client.Poll(0, SelectMode.SelectError) || tcp.Client.Poll(0, SelectMode.SelectRead), TimeSpan.FromSeconds(10));

        var received = Assert.Throws<IOException>(() => SocketInterop.ReceiveWithoutWaiting(tcp.Client, new byte[16], peek: false));
        Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(received.InnerException).SocketErrorCode);

        // The reset is reported once; a send after it finds the connection gone (EPIPE).
        var sent = Assert.Throws<IOException>(() => SocketInterop.SendWithoutWaiting(tcp.Client, "a NOOP"u8));
        Assert.Equal(SocketError.Shutdown, Assert.IsType<SocketException>(sent.InnerException).SocketErrorCode);
    }
}
