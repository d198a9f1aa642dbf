using System.IO.Compression;
using System.IO.Pipelines;
using System.Text;
using FrontDoor.Core.Protocol.Compression;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>
/// FrontDoor's DEFLATE layer (RFC 4978) against System.IO.Compression as the peer: what FrontDoor sends
/// inflates to the exact bytes at every flush, what a peer sends is read exactly however it is split, and
/// a stream that does not inflate or inflates without end is caught.
/// </summary>
public class CompressedStreamTests
{
    public static TheoryData<int, int> Settings => new() { { 15, 8 }, { 12, 5 }, { 10, 3 } };

    [Theory]
    [MemberData(nameof(Settings))]
    public async Task Every_flush_delivers_everything_written_so_far(int windowBits, int memoryLevel)
    {
        var wire = new MemoryStream();
        await using var compressed = new CompressedStream(wire, new DeflateSettings(6, windowBits, memoryLevel), [], leaveOpen: true);
        var sent = new StringBuilder();
        for (var i = 0; i < 50; i++)
        {
            var response = $"* {i} FETCH (BODY[] {{20}}\r\nSubject: message {i:D3}\r\n)\r\n";
            sent.Append(response);
            await compressed.WriteAsync(Encoding.ASCII.GetBytes(response));
            await compressed.FlushAsync();

            // A sync flush ends on a byte boundary: everything so far inflates from the bytes on the wire alone.
            Assert.Equal(sent.ToString(), Inflate(wire.ToArray()));
        }
    }

    [Fact]
    public async Task A_flush_with_nothing_new_sends_nothing()
    {
        var wire = new MemoryStream();
        await using var compressed = new CompressedStream(wire, DeflateSettings.Default, [], leaveOpen: true);
        await compressed.WriteAsync("a1 OK done\r\n"u8.ToArray());
        await compressed.FlushAsync();
        var length = wire.Length;
        await compressed.FlushAsync();
        Assert.Equal(length, wire.Length);
    }

    [Fact]
    public async Task Large_writes_round_trip_exactly()
    {
        var random = new Random(7);
        var text = new byte[3_000_000];
        for (var i = 0; i < text.Length; i++)
        {
            text[i] = (byte)"abcdefgh ijklm\r\n"[random.Next(16)];
        }

        var wire = new MemoryStream();
        await using (var compressed = new CompressedStream(wire, DeflateSettings.Default, [], leaveOpen: true))
        {
            await compressed.WriteAsync(text);
            await compressed.FlushAsync();
            Assert.Equal(text.Length, compressed.BytesDeflated);
            Assert.Equal(wire.Length, compressed.BytesSent);
        }

        Assert.Equal(text, Encoding.Latin1.GetBytes(Inflate(wire.ToArray())));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task Compressed_input_split_anywhere_reads_exactly(int piece)
    {
        var commands = string.Concat(Enumerable.Range(0, 200).Select(i => $"a{i} APPEND INBOX {{12}}\r\nHello world{i % 10}\r\n"));
        var deflated = DeflateInPieces(commands, flushEvery: 37);
        await using var compressed = new CompressedStream(new PieceStream(deflated, piece), DeflateSettings.Default, [], leaveOpen: false);
        var reader = PipeReader.Create(compressed, new StreamPipeReaderOptions(bufferSize: 4096, useZeroByteReads: true));
        var received = new MemoryStream();
        while (true)
        {
            var result = await reader.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                received.Write(segment.Span);
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        Assert.Equal(commands, Encoding.ASCII.GetString(received.ToArray()));
        Assert.Equal(commands.Length, compressed.BytesInflated);
    }

    [Fact]
    public async Task Octets_read_before_the_switch_are_inflated_first()
    {
        var deflated = DeflateInPieces("a2 NOOP\r\na3 NOOP\r\n", flushEvery: 9);
        await using var compressed = new CompressedStream(new MemoryStream(deflated[5..]), DeflateSettings.Default, deflated.AsSpan(0, 5), leaveOpen: false);
        var buffer = new byte[64];
        var total = 0;
        int read;
        while ((read = await compressed.ReadAsync(buffer.AsMemory(total))) > 0)
        {
            total += read;
        }

        Assert.Equal("a2 NOOP\r\na3 NOOP\r\n", Encoding.ASCII.GetString(buffer, 0, total));
    }

    [Fact]
    public async Task Input_that_is_not_deflate_is_refused()
    {
        // 0xFF starts a block of the reserved type 3 (RFC 1951 section 3.2.3): never valid.
        await using var compressed = new CompressedStream(new MemoryStream([0xFF, 0xFF, 0xFF, 0xFF]), DeflateSettings.Default, [], leaveOpen: false);
        await Assert.ThrowsAsync<InvalidCompressedDataException>(async () => await compressed.ReadAtLeastAsync(new byte[64], 1, throwOnEndOfStream: false));
    }

    [Fact]
    public async Task A_deflate_bomb_is_inflated_no_faster_than_it_is_read()
    {
        // About 1 MiB that inflates to 1 GiB (DEFLATE's ratio is at most about 1:1032).
        var bomb = DeflateBomb.Create(1L << 30);
        Assert.True(bomb.Length < 1_100_000, $"bomb is {bomb.Length} octets");
        await using var compressed = new CompressedStream(new MemoryStream(bomb), DeflateSettings.Default, [], leaveOpen: false);
        var buffer = new byte[65536];
        for (var i = 0; i < 16; i++)
        {
            Assert.Equal(buffer.Length, await compressed.ReadAsync(buffer));
        }

        Assert.Equal(16L * buffer.Length, compressed.BytesInflated);
        Assert.True(compressed.BytesReceived <= 64 * 1024, $"read {compressed.BytesReceived} compressed octets for 1 MiB of output");
        Assert.True(compressed.NativeBytes < 128 * 1024, $"zlib holds {compressed.NativeBytes} octets");
    }

    [Fact]
    public async Task The_default_settings_hold_far_less_than_zlibs()
    {
        var data = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("* 1 FETCH (FLAGS (\\Seen))\r\n", 1000)));
        long Held(DeflateSettings settings)
        {
            using var compressed = new CompressedStream(new MemoryStream(), settings, [], leaveOpen: false);
            compressed.WriteAsync(data).AsTask().GetAwaiter().GetResult();
            return compressed.NativeBytes;
        }

        var full = Held(DeflateSettings.ZLibDefault);
        var chosen = Held(DeflateSettings.Default);
        Assert.True(full > 256 * 1024, $"zlib defaults hold {full}");
        Assert.True(chosen < full / 3, $"default settings hold {chosen} of {full}");
        await Task.CompletedTask;
    }

    private static string Inflate(byte[] deflated)
    {
        using var inflate = new DeflateStream(new MemoryStream(deflated), CompressionMode.Decompress);
        var output = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = inflate.Read(buffer)) > 0)
            {
                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException)
        {
            // The stream has no final block (RFC 4978 never ends it): what inflated so far is the answer.
        }

        return Encoding.Latin1.GetString(output.ToArray());
    }

    /// <summary>A peer's stream: System.IO.Compression, sync-flushed every <paramref name="flushEvery"/> characters.</summary>
    private static byte[] DeflateInPieces(string text, int flushEvery)
    {
        var wire = new MemoryStream();
        using (var deflate = new DeflateStream(wire, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var i = 0; i < text.Length; i += flushEvery)
            {
                deflate.Write(Encoding.ASCII.GetBytes(text[i..Math.Min(text.Length, i + flushEvery)]));
                deflate.Flush();
            }
        }

        return wire.ToArray();
    }

    /// <summary>Hands out its bytes at most <paramref name="piece"/> at a time: a socket read split anywhere.</summary>
    private sealed class PieceStream(byte[] bytes, int piece) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, piece)], cancellationToken);
    }
}
