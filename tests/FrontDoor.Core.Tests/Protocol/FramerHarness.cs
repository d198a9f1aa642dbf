using System.Buffers;
using System.Text;
using FrontDoor.Core.Protocol;
using FrontDoor.Testing;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>
/// Feeds a stream to the framer chunk by chunk, the way a pump does (unconsumed bytes stay and more are
/// appended), and writes what it saw as a transcript: lines as L(...), literal octets merged as D(...).
/// </summary>
internal static class FramerHarness
{
    public static string Run(byte[][] chunks, int maxLineLength = 1024)
    {
        var framer = new ImapFramer(maxLineLength);
        var transcript = new StringBuilder();
        var pending = new List<byte[]>();
        var data = new StringBuilder();
        foreach (var chunk in chunks)
        {
            pending.Add(chunk);
            var buffer = Segments.Of(pending);
            var consumed = Drain(ref framer, buffer, transcript, data, out var stopped);
            if (stopped)
            {
                return transcript.ToString();
            }

            var rest = buffer.Slice(consumed).ToArray();
            pending.Clear();
            if (rest.Length > 0)
            {
                pending.Add(rest);
            }
        }

        FlushData(transcript, data);
        if (pending.Count > 0)
        {
            transcript.Append("Rest(").Append(Encoding.Latin1.GetString(pending[0])).Append(')');
        }

        return transcript.ToString();
    }

    private static SequencePosition Drain(ref ImapFramer framer, ReadOnlySequence<byte> buffer, StringBuilder transcript, StringBuilder data, out bool stopped)
    {
        stopped = false;
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            var kind = framer.Read(ref reader, out var frame);
            switch (kind)
            {
                case FrameKind.NeedMore:
                    return reader.Position;
                case FrameKind.LiteralData:
                    data.Append(Encoding.Latin1.GetString(frame.Content.ToArray()));
                    if (frame.EndsLiteral)
                    {
                        FlushData(transcript, data);
                    }

                    continue;
                case FrameKind.Line:
                    FlushData(transcript, data);
                    transcript.Append(frame.StartsMessage ? "L(" : "l(")
                        .Append(Encoding.Latin1.GetString(frame.Content.ToArray()));
                    if (frame.Literal is { } literal)
                    {
                        transcript.Append(" |").Append(literal.Binary ? "~" : string.Empty).Append(literal.Length)
                            .Append(literal.NonSynchronizing ? "+" : string.Empty).Append('@').Append(literal.Start);
                    }

                    transcript.Append(')');
                    continue;
                default:
                    FlushData(transcript, data);
                    transcript.Append(kind);
                    stopped = true;
                    return reader.Position;
            }
        }
    }

    private static void FlushData(StringBuilder transcript, StringBuilder data)
    {
        if (data.Length > 0)
        {
            transcript.Append("D(").Append(data).Append(')');
            data.Clear();
        }
    }
}
