namespace FrontDoor.Core.Protocol.Compression;

/// <summary>
/// How FrontDoor compresses what it sends. Deflate holds 2^(WindowBits+2) + 2^(MemoryLevel+9) bytes for
/// the life of a compressed session; see deploy/README.md for the measured trade-off.
/// </summary>
/// <param name="Level">zlib level 1-9.</param>
/// <param name="WindowBits">9-15: how far back a match may reach (2^WindowBits bytes).</param>
/// <param name="MemoryLevel">1-9: the size of the match-finding hash table.</param>
internal sealed record DeflateSettings(int Level, int WindowBits, int MemoryLevel)
{
    /// <summary>
    /// False: the compressor is freed after each flush and made anew at the next write, so an idle session
    /// holds no compressor at all. Each flushed batch then starts without history: valid DEFLATE (a sync
    /// flush ends on a byte boundary and the next block simply refers to nothing before it, RFC 1951
    /// section 3.2), at some cost in ratio for small responses.
    /// </summary>
    public bool KeepBetweenFlushes { get; init; } = true;

    /// <summary>zlib's own defaults: the most a deflater may hold (about 256 KiB).</summary>
    public static readonly DeflateSettings ZLibDefault = new(6, 15, 8);

    /// <summary>
    /// FrontDoor's choice (bench/RESULTS.md, section 6): a 4 KiB window and memLevel 5 save 57% of a text
    /// FETCH against 64% for zlib's defaults, at half the CPU, and the compressor is freed at each flush
    /// (with a 4 KiB window there is next to no history to lose), so an idle compressed session holds only
    /// the decompressor.
    /// </summary>
    public static readonly DeflateSettings Default = new(6, 12, 5) { KeepBetweenFlushes = false };
}
