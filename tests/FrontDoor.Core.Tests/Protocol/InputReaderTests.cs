using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using FrontDoor.Core.Protocol;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>
/// The connection's own <see cref="PipeReader"/> (<see cref="ImapConnection.InputReader"/>) over the in-memory
/// transport: it keeps the promises of a pipe reader the framers rely on, and holds no block once everything
/// read was consumed.
/// </summary>
public class InputReaderTests
{
    private static readonly IPEndPoint Here = new(TestAddresses.Listener, 143);

    private static (InMemoryConnection Connection, DuplexPipeStream Peer) Pair()
    {
        var (a, b) = InMemoryPipePair.Create();
        return (new InMemoryConnection(a, Here, Here), new DuplexPipeStream(b));
    }

    private static ImapConnection.InputReader Reader(ImapConnection connection) => (ImapConnection.InputReader)connection.Input;

    private static string Text(in ReadOnlySequence<byte> buffer) => Encoding.ASCII.GetString(buffer.ToArray());

    /// <summary>Reads once, consumes all of it, and gives it as text; the read must not be a cancelled one.</summary>
    private static async Task<string> ReadAllAsync(ImapConnection connection)
    {
        var result = await connection.Input.ReadAsync();
        Assert.False(result.IsCanceled);
        var text = Text(result.Buffer);
        connection.Input.AdvanceTo(result.Buffer.End);
        return text;
    }

    [Fact]
    public async Task A_read_gives_what_arrived_and_waits_for_more_once_everything_was_examined()
    {
        var (connection, peer) = Pair();
        await peer.WriteAsync("a1 NO"u8.ToArray());

        var first = await connection.Input.ReadAsync();
        Assert.Equal("a1 NO", Text(first.Buffer));
        connection.Input.AdvanceTo(first.Buffer.Start, first.Buffer.End);

        Assert.False(connection.Input.TryRead(out _));
        var pending = connection.Input.ReadAsync().AsTask();
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);

        await peer.WriteAsync("OP\r\n"u8.ToArray());
        var second = await pending;
        Assert.Equal("a1 NOOP\r\n", Text(second.Buffer));
        Assert.True(second.Buffer.IsSingleSegment);
        connection.Input.AdvanceTo(second.Buffer.End);
        Assert.Equal(0, Reader(connection).BlockSize);
    }

    [Fact]
    public async Task A_line_split_across_reads_follows_the_consumed_line_before_it()
    {
        var (connection, peer) = Pair();
        await peer.WriteAsync("a1 NOOP\r\na2 NO"u8.ToArray());

        var first = await connection.Input.ReadAsync();
        var lineEnd = first.Buffer.PositionOf((byte)'\n')!.Value;
        var afterLine = first.Buffer.GetPosition(1, lineEnd);
        Assert.Equal("a1 NOOP\r\n", Text(first.Buffer.Slice(0, afterLine)));
        connection.Input.AdvanceTo(afterLine, first.Buffer.End);

        await peer.WriteAsync("OP\r\n"u8.ToArray());
        Assert.Equal("a2 NOOP\r\n", await ReadAllAsync(connection));
        Assert.Equal(0, Reader(connection).Buffered);
    }

    [Fact]
    public async Task Octets_examined_short_of_the_end_are_given_again_at_once_and_examined_to_the_end_wait_for_new_ones()
    {
        var (connection, peer) = Pair();
        await peer.WriteAsync("* OK one\r\n* OK tw"u8.ToArray());

        var first = await connection.Input.ReadAsync();
        var examined = first.Buffer.GetPosition(4);
        connection.Input.AdvanceTo(first.Buffer.Start, examined);

        Assert.True(connection.Input.TryRead(out var again));
        Assert.Equal("* OK one\r\n* OK tw", Text(again.Buffer));
        connection.Input.AdvanceTo(again.Buffer.GetPosition(10), again.Buffer.End);

        Assert.False(connection.Input.TryRead(out _));
        var pending = connection.Input.ReadAsync().AsTask();
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);

        await peer.WriteAsync("o\r\n"u8.ToArray());
        var second = await pending;
        Assert.Equal("* OK two\r\n", Text(second.Buffer));
        connection.Input.AdvanceTo(second.Buffer.End);
    }

    [Fact]
    public async Task CancelPendingRead_ends_a_waiting_read_as_cancelled()
    {
        var (connection, _) = Pair();
        var pending = connection.Input.ReadAsync().AsTask();
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);

        connection.Input.CancelPendingRead();

        var result = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(result.IsCanceled);
        Assert.True(result.Buffer.IsEmpty);
        connection.Input.AdvanceTo(result.Buffer.Start);
        Assert.Equal(0, Reader(connection).BlockSize);
    }

    [Fact]
    public async Task CancelPendingRead_before_a_read_cancels_that_read_once_and_keeps_the_octets_for_the_next()
    {
        var (connection, peer) = Pair();
        await peer.WriteAsync("a1 NOOP\r\n"u8.ToArray());
        var first = await connection.Input.ReadAsync();
        connection.Input.AdvanceTo(first.Buffer.Start);

        connection.Input.CancelPendingRead();

        var cancelled = await connection.Input.ReadAsync();
        Assert.True(cancelled.IsCanceled);
        Assert.Equal("a1 NOOP\r\n", Text(cancelled.Buffer));
        connection.Input.AdvanceTo(cancelled.Buffer.Start);

        Assert.Equal("a1 NOOP\r\n", await ReadAllAsync(connection));
    }

    [Fact]
    public async Task CancelPendingRead_with_nothing_buffered_cancels_the_next_read_without_stopping_the_connection()
    {
        var (connection, peer) = Pair();
        connection.Input.CancelPendingRead();

        Assert.True(connection.Input.TryRead(out var cancelled));
        Assert.True(cancelled.IsCanceled);
        connection.Input.AdvanceTo(cancelled.Buffer.Start);

        await peer.WriteAsync("a1 NOOP\r\n"u8.ToArray());
        Assert.Equal("a1 NOOP\r\n", await ReadAllAsync(connection));
    }

    [Fact]
    public async Task The_peers_close_is_seen_after_its_last_octets_and_for_every_read_after()
    {
        var (connection, peer) = Pair();
        await peer.WriteAsync("a1 LOG"u8.ToArray());
        peer.ShutdownSend();

        var result = await connection.Input.ReadAsync();
        while (!result.IsCompleted)
        {
            connection.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await connection.Input.ReadAsync();
        }

        Assert.Equal("a1 LOG", Text(result.Buffer));

        // An unfinished line at the end stays readable; once consumed, the end is all there is.
        connection.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        Assert.True(connection.Input.TryRead(out var again));
        Assert.True(again.IsCompleted);
        connection.Input.AdvanceTo(again.Buffer.End);

        var end = await connection.Input.ReadAsync();
        Assert.True(end.IsCompleted);
        Assert.True(end.Buffer.IsEmpty);
        Assert.Equal(0, Reader(connection).BlockSize);
    }

    [Fact]
    public async Task A_large_literal_consumed_as_it_comes_holds_at_most_one_block_and_nothing_after()
    {
        var (connection, peer) = Pair();
        const int size = 8 * 1024 * 1024;
        var sending = Task.Run(async () =>
        {
            var chunk = new byte[100_000];
            for (var sent = 0; sent < size; sent += chunk.Length)
            {
                chunk.AsSpan().Fill((byte)('a' + (sent / chunk.Length % 26)));
                await peer.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, size - sent)));
            }
        });

        long received = 0;
        long wrong = 0;
        var largestBlock = 0;
        while (received < size)
        {
            var result = await connection.Input.ReadAsync();
            Assert.False(result.IsCompleted);
            largestBlock = Math.Max(largestBlock, Reader(connection).BlockSize);
            foreach (var segment in result.Buffer)
            {
                var span = segment.Span;
                for (var i = 0; i < span.Length; i++)
                {
                    wrong += span[i] == (byte)('a' + ((received + i) / 100_000 % 26)) ? 0 : 1;
                }

                received += segment.Length;
            }

            connection.Input.AdvanceTo(result.Buffer.End);
        }

        await sending;
        Assert.Equal(size, received);
        Assert.Equal(0, wrong);
        Assert.Equal(ImapConnection.BufferSize, largestBlock);
        Assert.Equal(0, Reader(connection).BlockSize);
    }

    [Fact]
    public async Task A_line_longer_than_a_block_stays_whole_and_in_one_segment()
    {
        var (connection, peer) = Pair();
        var line = new byte[200_000];
        line.AsSpan().Fill((byte)'x');
        line[^2] = (byte)'\r';
        line[^1] = (byte)'\n';
        var sending = peer.WriteAsync(line).AsTask();

        ReadResult result;
        while (true)
        {
            result = await connection.Input.ReadAsync();
            if (result.Buffer.Length == line.Length)
            {
                break;
            }

            connection.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }

        await sending;
        Assert.True(result.Buffer.IsSingleSegment);
        Assert.Equal(line, result.Buffer.ToArray());
        connection.Input.AdvanceTo(result.Buffer.End);
        Assert.Equal(0, Reader(connection).BlockSize);
    }

    [Fact]
    public async Task A_completed_reader_refuses_reads_and_gives_its_block_back()
    {
        var (connection, peer) = Pair();
        await peer.WriteAsync("a1 NO"u8.ToArray());
        var result = await connection.Input.ReadAsync();
        connection.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        Assert.NotEqual(0, Reader(connection).BlockSize);

        connection.Input.Complete();

        Assert.Equal(0, Reader(connection).BlockSize);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await connection.Input.ReadAsync());
        Assert.Throws<InvalidOperationException>(() => connection.Input.TryRead(out _));
    }
}
