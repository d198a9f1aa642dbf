namespace FrontDoor.Core.Protocol.Compression;

/// <summary>Raw DEFLATE compression (RFC 1951) with a chosen window and memory level.</summary>
internal sealed unsafe class Deflater : ZCodec
{
    public Deflater(DeflateSettings settings)
    {
        Initialize(
            stream => ZLibNative.DeflateInit2((ZLibNative.ZStream*)stream, settings.Level, ZLibNative.Deflated, -settings.WindowBits, settings.MemoryLevel, ZLibNative.DefaultStrategy, ZLibNative.Version(), StreamSize),
            "deflateInit2");
    }

    /// <summary>Compresses what fits; with <see cref="ZLibNative.SyncFlush"/> everything given so far comes out, ending on a byte boundary.</summary>
    public void Compress(ReadOnlySpan<byte> input, Span<byte> output, int flush, out int consumed, out int written)
    {
        var code = Run(input, output, flush, out consumed, out written);

        // Z_BUF_ERROR only says no progress was possible (no room, or nothing to do): not a failure.
        if (code is not (ZLibNative.Ok or ZLibNative.BufError))
        {
            throw new InvalidOperationException($"deflate failed: {Message(code)}");
        }
    }

    protected override int Call(ZLibNative.ZStream* stream, int flush) => ZLibNative.Deflate(stream, flush);

    protected override void End(ZLibNative.ZStream* stream) => _ = ZLibNative.DeflateEnd(stream);
}
