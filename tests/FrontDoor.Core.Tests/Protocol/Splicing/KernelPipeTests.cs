using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using FrontDoor.Core.Protocol.Splicing;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol.Splicing;

/// <summary><see cref="KernelPipe"/> over real loopback sockets: what goes in comes out, and each end's state reads as it is.</summary>
[SupportedOSPlatform("linux")]
public sealed class KernelPipeTests : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public KernelPipeTests()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
    }

    [Fact]
    public async Task Octets_go_from_one_socket_to_another_through_the_pipe_and_the_ends_say_when_they_wait()
    {
        var (sender, source) = await PairAsync();
        var (destination, receiver) = await PairAsync();
        using (sender)
        using (source)
        using (destination)
        using (receiver)
        using (var pipe = KernelPipe.TryCreate())
        {
            Assert.NotNull(pipe);
            Assert.True(pipe.Capacity >= 64 * 1024);
            Assert.True(KernelPipe.CanUse(source.SafeHandle));

            // .NET leaves a descriptor non-blocking once made so, whatever Blocking says later (SocketStream
            // switches it around each send): a splice on it never blocks the thread.
            Assert.True(KernelPipe.CanUse(sender.SafeHandle));
            Assert.Equal(SpliceInterop.WouldBlock, pipe.FillFrom(source.SafeHandle, 1024));

            var data = new byte[48 * 1024];
            Random.Shared.NextBytes(data);
            await sender.SendAsync(data);
            var received = new byte[data.Length];
            var moved = 0;
            while (moved < data.Length)
            {
                // A count below what is queued takes no more than asked.
                var filled = pipe.FillFrom(source.SafeHandle, 10_000);
                if (filled == SpliceInterop.WouldBlock)
                {
                    await Task.Delay(10);
                    continue;
                }

                Assert.InRange(filled, 1, 10_000);
                Assert.Equal(filled, pipe.Pending);
                var half = (int)filled / 2;
                var copied = pipe.ReadInto(received.AsSpan(moved, half));
                Assert.Equal(half, copied);
                await destination.SendAsync(received.AsMemory(moved, half));
                moved += half;
                var sent = pipe.DrainTo(destination.SafeHandle);
                Assert.Equal((int)filled - half, sent);
                Assert.Equal(0, pipe.Pending);
                moved += (int)sent;
            }

            var arrived = new byte[data.Length];
            for (var at = 0; at < arrived.Length;)
            {
                at += await receiver.ReceiveAsync(arrived.AsMemory(at));
            }

            Assert.Equal(data, arrived);

            // The peer's close reads as the end; a closed socket as closed on either side.
            sender.Shutdown(SocketShutdown.Send);
            await Task.Delay(50);
            Assert.Equal(0, pipe.FillFrom(source.SafeHandle, 1024));
            source.Dispose();
            Assert.Equal(0, pipe.FillFrom(source.SafeHandle, 1024));
            Assert.False(KernelPipe.CanUse(source.SafeHandle));
        }
    }

    [Fact]
    public async Task A_send_to_a_closed_socket_fails_as_the_connection_breaking()
    {
        var (sender, source) = await PairAsync();
        var (destination, receiver) = await PairAsync();
        using (sender)
        using (source)
        using (var pipe = KernelPipe.TryCreate()!)
        {
            await sender.SendAsync(new byte[1000]);
            while (pipe.FillFrom(source.SafeHandle, 1000) == SpliceInterop.WouldBlock)
            {
                await Task.Delay(10);
            }

            receiver.Dispose();
            destination.Dispose();
            Assert.Throws<IOException>(() => pipe.DrainTo(destination.SafeHandle));
        }
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>A connected pair; the second is accepted and non-blocking, as .NET leaves a socket once it has waited asynchronously.</summary>
    private async Task<(Socket Connected, Socket Accepted)> PairAsync()
    {
        var connected = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await connected.ConnectAsync(_listener.LocalEndPoint!);
        var accepted = await _listener.AcceptAsync();
        accepted.Blocking = false;
        connected.Blocking = false;
        connected.Blocking = true;
        return (connected, accepted);
    }
}
