using System.Buffers;
using System.Text;

namespace FrontDoor.Core.Protocol;

internal static class BufferWriterExtensions
{
    public static void WriteAscii(this IBufferWriter<byte> writer, string text)
    {
        var span = writer.GetSpan(text.Length);
        var written = Encoding.ASCII.GetBytes(text, span);
        writer.Advance(written);
    }

    public static void WriteUtf8(this IBufferWriter<byte> writer, string text) => writer.WriteUtf8(text.AsSpan());

    public static void WriteUtf8(this IBufferWriter<byte> writer, ReadOnlySpan<char> text)
    {
        var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        var written = Encoding.UTF8.GetBytes(text, span);
        writer.Advance(written);
    }

    /// <summary>Copies a buffer segment by segment; the relay's only copy of literal octets.</summary>
    public static void Write(this IBufferWriter<byte> writer, in ReadOnlySequence<byte> sequence)
    {
        if (sequence.IsSingleSegment)
        {
            writer.Write(sequence.FirstSpan);
            return;
        }

        foreach (var segment in sequence)
        {
            writer.Write(segment.Span);
        }
    }
}
