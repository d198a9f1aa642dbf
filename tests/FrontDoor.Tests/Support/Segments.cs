using System.Buffers;

namespace FrontDoor.Tests.Support;

/// <summary>Builds multi-segment sequences and the ways a stream can be split, as Kestrel's tests do.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Of(IReadOnlyList<byte[]> parts)
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
