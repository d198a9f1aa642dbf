using FrontDoor.Testing;
using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Bench;

/// <summary>
/// Scenario 5a: the framer alone (FrontDoor.Core.Protocol.ImapFramer), as the relay drives it: one
/// framer per direction, reading whole frames out of pipe buffers of 16 KiB segments.
/// </summary>
[MemoryDiagnoser]
public class FramerBenchmarks
{
    public const int CommandLines = 1000;
    public const int FetchResponses = 100;
    public const int LiteralSize = 1024 * 1024;
    private const int SegmentSize = 16 * 1024;

    private ReadOnlySequence<byte> _commands;
    private ReadOnlySequence<byte> _commandsSegmented;
    private ReadOnlySequence<byte> _fetchResponses;
    private ReadOnlySequence<byte> _literal;

    [GlobalSetup]
    public void Setup()
    {
        var commands = new StringBuilder();
        for (var i = 0; i < CommandLines; i++)
        {
            commands.Append('a').Append(i).Append(" UID FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE)\r\n");
        }

        var commandBytes = Encoding.ASCII.GetBytes(commands.ToString());
        _commands = new ReadOnlySequence<byte>(commandBytes);
        _commandsSegmented = Segments.Split(commandBytes, SegmentSize);

        var body = new byte[1024];
        Array.Fill(body, (byte)'x');
        var responses = new List<byte>();
        for (var i = 1; i <= FetchResponses; i++)
        {
            responses.AddRange(Encoding.ASCII.GetBytes($"* {i} FETCH (UID {i} FLAGS (\\Seen) BODY[] {{{body.Length}}}\r\n"));
            responses.AddRange(body);
            responses.AddRange(")\r\n"u8.ToArray());
        }

        responses.AddRange("f OK Fetch completed.\r\n"u8.ToArray());
        _fetchResponses = Segments.Split([.. responses], SegmentSize);

        var literal = new List<byte>(LiteralSize + 64);
        literal.AddRange(Encoding.ASCII.GetBytes($"a APPEND INBOX {{{LiteralSize}+}}\r\n"));
        literal.AddRange(new byte[LiteralSize]);
        literal.AddRange("\r\n"u8.ToArray());
        _literal = Segments.Split([.. literal], SegmentSize);
    }

    /// <summary>Per command line, 64-octet lines in one buffer.</summary>
    [Benchmark(OperationsPerInvoke = CommandLines)]
    public int CommandLine() => Frame(_commands, 64 * 1024);

    /// <summary>Per command line, the same lines in 16 KiB segments (some lines straddle two).</summary>
    [Benchmark(OperationsPerInvoke = CommandLines)]
    public int CommandLineSegmented() => Frame(_commandsSegmented, 64 * 1024);

    /// <summary>Per FETCH response carrying a 1 KiB literal.</summary>
    [Benchmark(OperationsPerInvoke = FetchResponses)]
    public int FetchResponse1KiB() => Frame(_fetchResponses, 16 * 1024 * 1024);

    /// <summary>One APPEND with a 1 MiB literal in 16 KiB segments.</summary>
    [Benchmark]
    public int Literal1MiB() => Frame(_literal, 64 * 1024);

    private static int Frame(in ReadOnlySequence<byte> buffer, int maxLine)
    {
        var framer = new ImapFramer(maxLine);
        var reader = new SequenceReader<byte>(buffer);
        var frames = 0;
        while (true)
        {
            var kind = framer.Read(ref reader, out var frame);
            if (kind is not (FrameKind.Line or FrameKind.LiteralData))
            {
                return kind == FrameKind.NeedMore ? frames : -1;
            }

            frames += (int)Math.Min(frame.Raw.Length, 1);
        }
    }
}
