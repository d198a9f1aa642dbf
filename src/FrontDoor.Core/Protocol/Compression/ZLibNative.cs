using System.Runtime.InteropServices;

namespace FrontDoor.Core.Protocol.Compression;

/// <summary>
/// The system zlib (libz.so.1), called directly: System.IO.Compression does not let a caller choose the
/// deflate window and memory level, and those decide what a compressed session costs (deflate holds
/// 2^(windowBits+2) + 2^(memLevel+9) bytes: 256 KiB at zlib's defaults). Negative windowBits select raw
/// DEFLATE (RFC 1951) without the zlib header, as RFC 4978 section 3 requires.
/// </summary>
internal static unsafe partial class ZLibNative
{
    private const string Library = "libz.so.1";

    public const int Ok = 0;
    public const int StreamEnd = 1;
    public const int BufError = -5;
    public const int NoFlush = 0;
    public const int SyncFlush = 2;
    public const int Deflated = 8;
    public const int DefaultStrategy = 0;

    /// <summary>zlib's z_stream; uLong is a C long (8 bytes on 64-bit Linux), hence <see cref="CULong"/>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ZStream
    {
        public byte* NextIn;
        public uint AvailIn;
        public CULong TotalIn;
        public byte* NextOut;
        public uint AvailOut;
        public CULong TotalOut;
        public byte* Msg;
        public void* State;
        public delegate* unmanaged<void*, uint, uint, void*> ZAlloc;
        public delegate* unmanaged<void*, void*, void> ZFree;
        public void* Opaque;
        public int DataType;
        public CULong Adler;
        public CULong Reserved;
    }

    [LibraryImport(Library, EntryPoint = "zlibVersion")]
    public static partial byte* Version();

    [LibraryImport(Library, EntryPoint = "deflateInit2_")]
    public static partial int DeflateInit2(ZStream* stream, int level, int method, int windowBits, int memLevel, int strategy, byte* version, int streamSize);

    [LibraryImport(Library, EntryPoint = "deflate")]
    public static partial int Deflate(ZStream* stream, int flush);

    [LibraryImport(Library, EntryPoint = "deflateEnd")]
    public static partial int DeflateEnd(ZStream* stream);

    [LibraryImport(Library, EntryPoint = "inflateInit2_")]
    public static partial int InflateInit2(ZStream* stream, int windowBits, byte* version, int streamSize);

    [LibraryImport(Library, EntryPoint = "inflate")]
    public static partial int Inflate(ZStream* stream, int flush);

    [LibraryImport(Library, EntryPoint = "inflateEnd")]
    public static partial int InflateEnd(ZStream* stream);

    private static readonly Lazy<bool> Loaded = new(() =>
    {
        try
        {
            return Version() != null;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    });

    /// <summary>False where the system has no libz.so.1 (Windows): COMPRESS is then not offered.</summary>
    public static bool IsAvailable => Loaded.Value;
}
