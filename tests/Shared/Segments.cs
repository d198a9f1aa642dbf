using System.Buffers;

namespace FrontDoor.Testing;

/// <summary>
/// Builds multi-segment sequences and the ways a stream can be split, as Kestrel's tests do. Shared by the
/// framer tests and the framer micro-benchmarks.
/// </summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Of(IReadOnlyList<ReadOnlyMemory<byte>> parts)
    {
        if (parts.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(parts[0], 0);
        var last = first;
        for (var i = 1; i < parts.Count; i++)
        {
            last = last.Append(parts[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>The data as a sequence of <paramref name="size"/>-octet segments over the same array (no copy).</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, int size)
    {
        var parts = new List<ReadOnlyMemory<byte>>();
        for (var offset = 0; offset < data.Length; offset += size)
        {
            parts.Add(data.AsMemory(offset, Math.Min(size, data.Length - offset)));
        }

        return Of(parts);
    }

    public static ReadOnlySequence<byte> Of(IReadOnlyList<byte[]> parts) => Of([.. parts.Select(p => (ReadOnlyMemory<byte>)p)]);

    /// <summary>Whole, one byte per chunk, and split in two at every offset.</summary>
    public static IEnumerable<byte[][]> Splits(byte[] input)
    {
        yield return [input];
        yield return input.Select(b => new[] { b }).ToArray();
        for (var i = 1; i < input.Length; i++)
        {
            yield return [input[..i], input[i..]];
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
