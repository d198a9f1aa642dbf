using System.Net;
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
public sealed class SocketInteropTests : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Socket _client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Socket _accepted;

    public SocketInteropTests()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _client.Connect(_listener.LocalEndPoint!);
        _accepted = _listener.Accept();
    }

    private Socket Accepted => _accepted;

    public void Dispose()
    {
        _accepted.Dispose();
        _client.Dispose();
        _listener.Dispose();
    }

    [Fact]
    public void Nothing_queued_reads_as_none_yet_and_what_was_sent_arrives()
    {
        var buffer = new byte[16];
        Assert.Equal(-1, SocketInterop.ReceiveWithoutWaiting(Accepted, buffer, peek: false));

        Assert.Equal(6, SocketInterop.SendWithoutWaiting(_client, "a NOOP"u8));
        SpinWait.SpinUntil(() => Accepted.Available == 6, TimeSpan.FromSeconds(10));
        Assert.Equal(6, SocketInterop.ReceiveWithoutWaiting(Accepted, buffer, peek: false));
        Assert.Equal("a NOOP"u8.ToArray(), buffer[..6]);
    }

    [Fact]
    public void A_full_send_buffer_reads_as_none_taken_not_as_a_failure()
    {
        Accepted.ReceiveBufferSize = 4096;
        _client.SendBufferSize = 4096;
        var chunk = new byte[64 * 1024];
        var sent = 0L;
        int took;
        while ((took = SocketInterop.SendWithoutWaiting(_client, chunk)) > 0)
        {
            sent += took;
        }

        Assert.Equal(-1, took);
        Assert.True(sent > 0);
    }

    [Fact]
    public void A_connection_the_peer_reset_fails_as_reset_both_ways()
    {
        // SO_LINGER with no time: close sends a RST.
        Accepted.LingerState = new LingerOption(true, 0);
        Accepted.Close();
        SpinWait.SpinUntil(() => _client.Poll(0, SelectMode.SelectError) || _client.Poll(0, SelectMode.SelectRead), TimeSpan.FromSeconds(10));

        var received = Assert.Throws<IOException>(() => SocketInterop.ReceiveWithoutWaiting(_client, new byte[16], peek: false));
        Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(received.InnerException).SocketErrorCode);

        // The reset is reported once; a send after it finds the connection gone (EPIPE).
        var sent = Assert.Throws<IOException>(() => SocketInterop.SendWithoutWaiting(_client, "a NOOP"u8));
        Assert.Equal(SocketError.Shutdown, Assert.IsType<SocketException>(sent.InnerException).SocketErrorCode);
    }
}
