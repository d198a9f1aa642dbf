namespace FrontDoor.Core.Protocol.Compression;

/// <summary>
/// Raw DEFLATE decompression. The window is always 32 KiB (windowBits 15): the peer chooses its own window
/// and RFC 4978 does not negotiate it, so a smaller one would reject a valid stream ("too far back").
/// zlib allocates that window at the first output, not at start.
/// </summary>
internal sealed unsafe class Inflater : ZCodec
{
    public Inflater()
    {
        Initialize(stream => ZLibNative.InflateInit2((ZLibNative.ZStream*)stream, -15, ZLibNative.Version(), StreamSize), "inflateInit2");
    }

    /// <summary>True once the peer ended its stream with a final block.</summary>
    public bool Finished { get; private set; }

    /// <summary>Decompresses what fits in <paramref name="output"/>; throws <see cref="InvalidCompressedDataException"/> on data that is not DEFLATE.</summary>
    public void Decompress(ReadOnlySpan<byte> input, Span<byte> output, out int consumed, out int written)
    {
        var code = Run(input, output, ZLibNative.NoFlush, out consumed, out written);
        switch (code)
        {
            case ZLibNative.Ok or ZLibNative.BufError:
                return;
            case ZLibNative.StreamEnd:
                Finished = true;
                return;
            default:
                throw new InvalidCompressedDataException(Message(code));
        }
    }

    protected override int Call(ZLibNative.ZStream* stream, int flush) => ZLibNative.Inflate(stream, flush);

    protected override void End(ZLibNative.ZStream* stream) => _ = ZLibNative.InflateEnd(stream);
}
