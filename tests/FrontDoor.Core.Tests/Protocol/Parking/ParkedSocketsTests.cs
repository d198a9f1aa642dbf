using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Events;
using FrontDoor.Core.Protocol.Parking;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol.Parking;

/// <summary>The epoll parking of silent connections, on real loopback TCP sockets, in two socket loops of the tests' own.</summary>
[SupportedOSPlatform("linux")]
public sealed class ParkedSocketsTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly BlockingCollection<(int Descriptor, int State, ParkedSocketWake Wake)> _woken = [];
    private readonly ConcurrentQueue<(int State, SocketEventLoop? Loop)> _wokenOn = new();
    private readonly SocketEventLoop _first = SocketEventLoop.TryCreate(90) ?? throw new InvalidOperationException("no epoll");
    private readonly SocketEventLoop _second = SocketEventLoop.TryCreate(91) ?? throw new InvalidOperationException("no epoll");
    private readonly List<Socket> _sockets = [];
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly ParkedSockets<int> _parked;
    private volatile int _expiredUpTo = -1;

    public ParkedSocketsTests()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        _parked = ParkedSockets<int>.Create([_first, _second], state => state <= _expiredUpTo, (d, s, w) =>
        {
            _wokenOn.Enqueue((s, SocketEventLoop.Current));
            _woken.Add((d, s, w));
        });
    }

    [Fact]
    public async Task A_connection_parked_on_a_loops_thread_wakes_on_that_thread()
    {
        // Parked from each loop's own thread, as a greeting that ran there parks it.
        var (toFirst, _) = await ParkedPairAsync(1, _first);
        var (toSecond, _) = await ParkedPairAsync(2, _second);
        Assert.Equal(2, _parked.Count);

        await toSecond.SendAsync("a1 LOGIN\r\n"u8.ToArray());
        Assert.Equal((2, ParkedSocketWake.Readable), StateAndWake(Next()));
        await toFirst.SendAsync("a1 LOGIN\r\n"u8.ToArray());
        Assert.Equal((1, ParkedSocketWake.Readable), StateAndWake(Next()));

        // With a thread of the parking's own, both came back there, and the session had to be handed to a loop.
        Assert.Equal([(2, _second), (1, _first)], _wokenOn.ToArray());
    }

    [Fact]
    public async Task Each_loop_ticks_for_the_parking_until_it_is_disposed()
    {
        Assert.Equal(1, _first.TickerCount);
        Assert.Equal(1, _second.TickerCount);
        await ParkedPairAsync(5, _first);

        _parked.Dispose();
        Assert.Equal(0, _first.TickerCount);
        Assert.Equal(0, _second.TickerCount);
        Assert.Equal(0, _parked.Count);
    }

    [Fact]
    public async Task A_parked_socket_comes_back_readable_with_its_state_when_the_peer_sends()
    {
        var (client, descriptor) = await ParkedPairAsync(7);
        Assert.Equal(1, _parked.Count);

        await client.SendAsync("a1 NOOP\r\n"u8.ToArray());
        var woken = Next();
        Assert.Equal((descriptor, 7, ParkedSocketWake.Readable), woken);
        Assert.Equal(0, _parked.Count);

        // The descriptor is whole again: a socket made from it reads what the peer sent.
        await using var connection = SocketConnection.Adopt(woken.Descriptor);
        var buffer = new byte[16];
        var read = await connection.TransportStream.ReadAsync(buffer);
        Assert.Equal("a1 NOOP\r\n", System.Text.Encoding.ASCII.GetString(buffer, 0, read));
    }

    [Fact]
    public async Task A_parked_socket_comes_back_when_the_peer_closes()
    {
        var (client, _) = await ParkedPairAsync(1);
        client.Shutdown(SocketShutdown.Send);
        var woken = Next();
        Assert.Equal(ParkedSocketWake.Readable, woken.Wake);
        await using var connection = SocketConnection.Adopt(woken.Descriptor);
        Assert.Equal(0, await connection.TransportStream.ReadAsync(new byte[4]));
    }

    [Fact]
    public async Task Only_the_expired_come_back_as_expired()
    {
        for (var state = 0; state < 4; state++)
        {
            await ParkedPairAsync(state, _first);
        }

        // Handed back on the loop's thread at its tick, oldest first.
        _expiredUpTo = 1;
        var expired = new[] { Next(), Next() }.Select(StateAndWake).ToArray();
        Assert.Equal([(0, ParkedSocketWake.Expired), (1, ParkedSocketWake.Expired)], expired);
        Assert.False(_woken.TryTake(out _, TimeSpan.FromSeconds(2.5)));
        Assert.Equal(2, _parked.Count);
        Assert.All(_wokenOn, woken => Assert.Same(_first, woken.Loop));
    }

    [Fact]
    public async Task Waking_all_hands_every_one_back_and_later_parks_at_once()
    {
        for (var state = 0; state < 3; state++)
        {
            await ParkedPairAsync(state);
        }

        _parked.WakeAll();
        var states = new[] { Next(), Next(), Next() }.Select(StateAndWake).OrderBy(w => w.State).ToArray();
        Assert.Equal([(0, ParkedSocketWake.Stopping), (1, ParkedSocketWake.Stopping), (2, ParkedSocketWake.Stopping)], states);
        Assert.Equal(0, _parked.Count);

        await ParkedPairAsync(9);
        Assert.Equal((9, ParkedSocketWake.Stopping), StateAndWake(Next()));
    }

    [Fact]
    public async Task Many_parks_and_wakes_reuse_slots_and_hand_each_back_once()
    {
        // Three rounds over the same slots: a stale event of an earlier round would wake a later one twice.
        for (var round = 0; round < 3; round++)
        {
            var clients = new List<Socket>();
            for (var i = 0; i < 100; i++)
            {
                clients.Add((await ParkedPairAsync((round * 1000) + i)).Client);
            }

            foreach (var client in clients)
            {
                await client.SendAsync(new byte[] { (byte)'x' });
            }

            var states = new HashSet<int>();
            for (var i = 0; i < 100; i++)
            {
                var woken = Next();
                Assert.Equal(ParkedSocketWake.Readable, woken.Wake);
                Assert.True(states.Add(woken.State));
                SocketConnection.Adopt(woken.Descriptor).Abort();
            }

            Assert.Equal(Enumerable.Range(round * 1000, 100).ToHashSet(), states);
            Assert.Equal(0, _parked.Count);
        }

        Assert.False(_woken.TryTake(out _, TimeSpan.FromSeconds(1.5)));
    }

    public void Dispose()
    {
        _parked.Dispose();
        _first.Stop();
        _second.Stop();
        while (_woken.TryTake(out var left))
        {
            SocketConnection.Adopt(left.Descriptor).Abort();
        }

        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _listener.Dispose();
        _woken.Dispose();
    }

    private static (int State, ParkedSocketWake Wake) StateAndWake((int Descriptor, int State, ParkedSocketWake Wake) woken) => (woken.State, woken.Wake);

    private (int Descriptor, int State, ParkedSocketWake Wake) Next() =>
        _woken.TryTake(out var woken, Patience) ? woken : throw new TimeoutException("nothing handed back");

    /// <summary>
    /// A connected pair; the accepted end is detached as FrontDoor's listener does it, and parked: from
    /// <paramref name="on"/>'s thread, or from the test's (the loops then take it in turn).
    /// </summary>
    private async Task<(Socket Client, int Descriptor)> ParkedPairAsync(int state, SocketEventLoop? on = null)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _sockets.Add(client);
        await client.ConnectAsync(_listener.LocalEndPoint!);
        var accepted = new SocketConnection(await _listener.AcceptAsync());
        Assert.True(accepted.TryDetach(out var descriptor));
        if (on is null)
        {
            _parked.Park(descriptor, state);
            return (client, descriptor);
        }

        var parked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = new LoopQueue<int>(on, _ =>
        {
            _parked.Park(descriptor, state);
            parked.SetResult();
        }, (_, ex) => parked.TrySetException(ex));
        queue.Post(0);
        await parked.Task.WaitAsync(Patience);
        return (client, descriptor);
    }
}
