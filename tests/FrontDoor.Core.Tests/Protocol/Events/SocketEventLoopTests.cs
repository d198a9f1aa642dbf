using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Events;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol.Events;

/// <summary>Connection sockets on FrontDoor's own epoll (<see cref="SocketEventLoop"/>), over real loopback TCP sockets.</summary>
[SupportedOSPlatform("linux")]
public sealed class SocketEventLoopTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    // Long enough for a wait that should not end to end wrongly; nothing is asserted about how long anything takes.
    private static readonly TimeSpan Chance = TimeSpan.FromMilliseconds(200);

    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<IAsyncDisposable> _owned = [];

    public Task InitializeAsync()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public void Linux_connections_wait_on_the_loop()
    {
        Assert.True(SocketEventLoop.Enabled);
    }

    [Fact]
    public async Task A_wait_ends_when_the_peer_sends_and_again_only_when_it_sends_more()
    {
        var (peer, connection) = await PairAsync();
        var wait = connection.WaitForDataAsync(CancellationToken.None).AsTask();
        await Task.Delay(Chance);
        Assert.False(wait.IsCompleted);

        await peer.SendAsync("a1 NOOP\r\n"u8.ToArray());
        await wait.WaitAsync(Patience);
        Assert.Equal("a1 NOOP\r\n", await ReadAllQueuedAsync(connection, 9));

        // All of it was read: the next wait waits.
        var next = connection.WaitForDataAsync(CancellationToken.None).AsTask();
        await Task.Delay(Chance);
        Assert.False(next.IsCompleted);
        await peer.SendAsync("a2 NOOP\r\n"u8.ToArray());
        await next.WaitAsync(Patience);
        Assert.Equal("a2 NOOP\r\n", await ReadAllQueuedAsync(connection, 9));
    }

    [Fact]
    public async Task A_read_larger_than_its_buffer_is_read_in_pieces_without_a_lost_wake()
    {
        var (peer, connection) = await PairAsync();
        var sent = RandomNumberGenerator.GetBytes(300_000);
        var sending = peer.SendAsync(sent);

        var received = new MemoryStream();
        var buffer = new byte[4096];
        while (received.Length < sent.Length)
        {
            await connection.WaitForDataAsync(CancellationToken.None).AsTask().WaitAsync(Patience);
            var read = await connection.TransportStream.ReadAsync(buffer).AsTask().WaitAsync(Patience);
            Assert.True(read > 0);
            received.Write(buffer, 0, read);
        }

        await sending;
        Assert.Equal(sent, received.ToArray());
    }

    [Fact]
    public async Task A_write_the_send_buffer_cannot_take_waits_for_the_peer_to_read_and_arrives_whole()
    {
        var (peer, connection) = await PairAsync();
        // More than loopback's send and receive buffers hold together (a few MiB each).
        var payload = RandomNumberGenerator.GetBytes(32 * 1024 * 1024);
        var writing = connection.TransportStream.WriteAsync(payload).AsTask();
        await Task.Delay(Chance);
        Assert.False(writing.IsCompleted); // back-pressure: the peer has read nothing yet

        var received = new byte[payload.Length];
        var at = 0;
        while (at < received.Length)
        {
            var read = await peer.ReceiveAsync(received.AsMemory(at)).AsTask().WaitAsync(Patience);
            Assert.True(read > 0);
            at += read;
        }

        await writing.WaitAsync(Patience);
        Assert.Equal(payload, received);
    }

    [Fact]
    public async Task A_cancelled_wait_fails_and_the_next_wait_still_sees_data()
    {
        var (peer, connection) = await PairAsync();
        using var cancel = new CancellationTokenSource();
        var wait = connection.WaitForDataAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(Patience));

        await peer.SendAsync("a1 NOOP\r\n"u8.ToArray());
        await connection.WaitForDataAsync(CancellationToken.None).AsTask().WaitAsync(Patience);
        Assert.Equal("a1 NOOP\r\n", await ReadAllQueuedAsync(connection, 9));
    }

    [Fact]
    public async Task Stopping_ends_a_pending_wait_and_the_read_after_it_finds_the_end()
    {
        var (_, connection) = await PairAsync();
        var stream = connection.TransportStream;
        var wait = connection.WaitForDataAsync(CancellationToken.None).AsTask();
        connection.StopWaiting();
        await wait.WaitAsync(Patience);
        Assert.Equal(0, await stream.ReadAsync(new byte[16]).AsTask().WaitAsync(Patience));
    }

    [Fact]
    public async Task Data_and_the_peers_close_arriving_together_leave_the_end_for_the_next_wait()
    {
        // One edge for both: the read takes the data, and the close, still unread, has no edge of its own.
        var (peer, connection) = await PairAsync();
        var stream = connection.TransportStream;
        var wait = connection.WaitForDataAsync(CancellationToken.None).AsTask();
        await peer.SendAsync("* BYE going\r\n"u8.ToArray());
        peer.Shutdown(SocketShutdown.Send);
        await wait.WaitAsync(Patience);
        Assert.Equal("* BYE going\r\n", await ReadAllQueuedAsync(connection, 13));

        await connection.WaitForDataAsync(CancellationToken.None).AsTask().WaitAsync(Patience);
        Assert.Equal(0, await stream.ReadAsync(new byte[16]).AsTask().WaitAsync(Patience));
    }

    [Fact]
    public async Task A_peer_that_resets_ends_a_pending_wait_and_the_read_fails()
    {
        var (peer, connection) = await PairAsync();
        var wait = connection.WaitForDataAsync(CancellationToken.None).AsTask();
        peer.LingerState = new LingerOption(true, 0);
        peer.Close();
        await wait.WaitAsync(Patience);
        await Assert.ThrowsAsync<IOException>(() => connection.TransportStream.ReadAsync(new byte[16]).AsTask().WaitAsync(Patience));
    }

    [Fact]
    public async Task Closing_a_connection_with_a_pending_wait_ends_the_wait()
    {
        var (_, connection) = await PairAsync();
        var wait = connection.WaitForDataAsync(CancellationToken.None).AsTask();
        await connection.DisposeAsync();
        await wait.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_backend_connect_on_the_loop_is_a_connected_socket_both_ways()
    {
        var accepting = _listener.AcceptAsync();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var connection = await SocketConnection.ConnectOnEventLoopAsync(socket, _listener.LocalEndPoint!, CancellationToken.None).AsTask().WaitAsync(Patience);
        _owned.Add(connection);
        using var server = await accepting.WaitAsync(Patience);

        // .NET saw only the connect's start: the socket does not know its addresses (nothing asks a backend's).
        Assert.Null(connection.RemoteEndPoint);
        await connection.SendAsync("* OK ready\r\n"u8.ToArray(), CancellationToken.None);
        var greeting = new byte[12];
        Assert.Equal(12, await server.ReceiveAsync(greeting));
        await server.SendAsync("a1 NOOP\r\n"u8.ToArray());
        await connection.WaitForDataAsync(CancellationToken.None).AsTask().WaitAsync(Patience);
        Assert.Equal("a1 NOOP\r\n", await ReadAllQueuedAsync(connection, 9));
    }

    [Fact]
    public async Task A_greeting_that_came_with_the_connect_is_read_at_the_first_wait()
    {
        for (var round = 0; round < 20; round++)
        {
            // The server greets at accept: the greeting's readable edge often comes in the connect's own event,
            // while nobody waits to read, and the first wait must still find it (and no wait find nothing).
            var greeted = AcceptAndGreetAsync(_listener);
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var connection = await SocketConnection.ConnectOnEventLoopAsync(socket, _listener.LocalEndPoint!, CancellationToken.None).AsTask().WaitAsync(Patience);
            _owned.Add(connection);
            using var server = await greeted.WaitAsync(Patience);

            await connection.WaitForDataAsync(CancellationToken.None).AsTask().WaitAsync(Patience);
            Assert.Equal("* OK ready\r\n", await ReadAllQueuedAsync(connection, 12));
        }
    }

    [Fact]
    public async Task A_backend_connect_on_the_loop_reaches_an_ipv6_listener()
    {
        using var listener = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        listener.Listen(1);
        var accepting = listener.AcceptAsync();
        var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        var connection = await SocketConnection.ConnectOnEventLoopAsync(socket, listener.LocalEndPoint!, CancellationToken.None).AsTask().WaitAsync(Patience);
        _owned.Add(connection);
        using var server = await accepting.WaitAsync(Patience);
        await connection.SendAsync("* OK\r\n"u8.ToArray(), CancellationToken.None);
        var greeting = new byte[6];
        Assert.Equal(6, await server.ReceiveAsync(greeting));
        Assert.Equal(AddressFamily.InterNetworkV6, server.RemoteEndPoint!.AddressFamily);
    }

    [Fact]
    public async Task A_backend_connect_to_a_closed_port_is_refused()
    {
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)closed.LocalEndPoint!).Port;
        closed.Close();

        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => SocketConnection.ConnectOnEventLoopAsync(socket, new IPEndPoint(IPAddress.Loopback, port), CancellationToken.None).AsTask().WaitAsync(Patience));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task Connections_made_and_closed_in_rounds_each_hear_only_their_own_peer()
    {
        for (var round = 0; round < 3; round++)
        {
            var pairs = new List<(Socket Peer, SocketConnection Connection)>();
            for (var i = 0; i < 100; i++)
            {
                pairs.Add(await PairAsync());
            }

            var waits = pairs.Select(p => p.Connection.WaitForDataAsync(CancellationToken.None).AsTask()).ToList();
            for (var i = 0; i < pairs.Count; i++)
            {
                await pairs[i].Peer.SendAsync(System.Text.Encoding.ASCII.GetBytes($"a{i:D3}\r\n"));
            }

            for (var i = 0; i < pairs.Count; i++)
            {
                await waits[i].WaitAsync(Patience);
                Assert.Equal($"a{i:D3}\r\n", await ReadAllQueuedAsync(pairs[i].Connection, 6));
            }

            foreach (var (peer, connection) in pairs)
            {
                await connection.DisposeAsync();
                peer.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_close_while_another_thread_stops_the_connection_is_a_FIN_after_the_last_line_not_a_reset()
    {
        // A kick stops a session from the admin API's thread while the session's own thread says BYE and closes.
        // A reset would make the client's next send fail before it reads the BYE waiting in its queue.
        for (var round = 0; round < 50; round++)
        {
            var (peer, connection) = await PairAsync();
            await connection.Output.WriteAsync("* BYE [UNAVAILABLE] kicked\r\n"u8.ToArray());
            using var stopping = new CancellationTokenSource();
            var stopper = Task.Run(() =>
            {
                while (!stopping.IsCancellationRequested)
                {
                    connection.StopWaiting();
                }
            });
            await Task.Delay(1);
            await connection.DisposeAsync();
            await stopping.CancelAsync();
            await stopper.WaitAsync(Patience);

            // Sending on a connection the other side closed with a FIN succeeds; after a reset it fails.
            await peer.SendAsync("a1 NOOP\r\n"u8.ToArray()).WaitAsync(Patience);
            var received = new MemoryStream();
            var buffer = new byte[256];
            int read;
            while ((read = await peer.ReceiveAsync(buffer).WaitAsync(Patience)) > 0)
            {
                received.Write(buffer, 0, read);
            }

            Assert.Equal("* BYE [UNAVAILABLE] kicked\r\n", System.Text.Encoding.ASCII.GetString(received.ToArray()));
        }
    }

    [Fact]
    public async Task A_backend_dialled_for_a_client_waits_on_the_clients_loop_whatever_thread_dials()
    {
        // A login whose routing finished on another thread (a directory lookup) still puts its backend on the
        // client's loop: the dialer is told the client connection.
        var (peer, client) = await PairAsync();
        var waiting = client.WaitForDataAsync(CancellationToken.None).AsTask();
        await peer.SendAsync("a1 LOGIN\r\n"u8.ToArray());
        await waiting.WaitAsync(Patience);
        var clientLoop = client.EventLoop;
        Assert.NotNull(clientLoop);

        var backendEndpoint = (IPEndPoint)_listener.LocalEndPoint!;
        var dialer = new FrontDoor.Core.Backends.TcpBackendDialer();
        for (var i = 0; i < 4; i++)
        {
            // From the test's thread, which is no loop's: with nothing told, the loops would be taken in turn.
            var accepting = _listener.AcceptAsync();
            await using var backend = await dialer.ConnectAsync(new FrontDoor.Core.Hooks.BackendEndpoint("127.0.0.1", backendEndpoint.Port), client, CancellationToken.None).AsTask().WaitAsync(Patience);
            using var accepted = await accepting.WaitAsync(Patience);
            Assert.Same(clientLoop, backend.EventLoop);
        }
    }

    private async Task<(Socket Peer, SocketConnection Connection)> PairAsync()
    {
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepting = _listener.AcceptAsync();
        await peer.ConnectAsync(_listener.LocalEndPoint!);
        var connection = new SocketConnection(await accepting);
        _owned.Add(connection);
        _owned.Add(new DisposeSocket(peer));
        return (peer, connection);
    }

    private static async Task<Socket> AcceptAndGreetAsync(Socket listener)
    {
        var server = await listener.AcceptAsync();
        await server.SendAsync("* OK ready\r\n"u8.ToArray());
        return server;
    }

    private static async Task<string> ReadAllQueuedAsync(SocketConnection connection, int length)
    {
        var buffer = new byte[length];
        var at = 0;
        while (at < length)
        {
            var read = await connection.TransportStream.ReadAsync(buffer.AsMemory(at)).AsTask().WaitAsync(Patience);
            Assert.True(read > 0);
            at += read;
        }

        return System.Text.Encoding.ASCII.GetString(buffer);
    }

    private sealed class DisposeSocket(Socket socket) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
