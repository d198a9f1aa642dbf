using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using FrontDoor.Core.Protocol;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>
/// <see cref="SocketConnection.TryDetach"/> hands over the connection's own descriptor, not a copy, and
/// nothing the connection or .NET does afterwards closes it; over real loopback TCP.
/// </summary>
[SupportedOSPlatform("linux")]
public class SocketDetachTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_connections_own_descriptor_is_handed_over_and_outlives_the_connections_dispose()
    {
        using var tcp = await LoopbackTcp.ConnectAsync();
        var client = tcp.Client;
        var descriptor = await DetachAndDisposeAsync(new SocketConnection(tcp.TakeAccepted()));

        // The dropped Socket, collected and finalized, leaves the descriptor open too.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        await using var adopted = SocketConnection.Adopt(descriptor);
        await client.SendAsync("a1 NOOP\r\n"u8.ToArray());
        var request = new byte[9];
        await adopted.TransportStream.ReadExactlyAsync(request).AsTask().WaitAsync(Patience);
        Assert.Equal("a1 NOOP\r\n", System.Text.Encoding.ASCII.GetString(request));
        await adopted.SendAsync("a1 OK\r\n"u8.ToArray(), CancellationToken.None);
        var reply = new byte[7];
        Assert.Equal(7, await client.ReceiveAsync(reply).WaitAsync(Patience));
    }

    /// <summary>Detaches and then disposes, as a caller's cleanup might; a separate method, so the connection is garbage afterwards.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<int> DetachAndDisposeAsync(SocketConnection accepted)
    {
        var own = accepted.Descriptor;
        Assert.True(accepted.TryDetach(out var descriptor));
        Assert.Equal(own, descriptor);
        Assert.False(accepted.TryDetach(out _));

        // Neither closes the descriptor nor waits forever for a release the handle never makes.
        await accepted.DisposeAsync().AsTask().WaitAsync(Patience);
        accepted.Abort();
        accepted.StopWaiting();
        return descriptor;
    }
}
