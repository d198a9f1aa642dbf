using System.Runtime.InteropServices;

namespace FrontDoor.Core.Protocol.Compression;

/// <summary>
/// zlib's allocations, counted: each stream's own total (its <c>opaque</c> points at a counter next to its
/// z_stream) and the process's, so the bench and the metrics see what compressed sessions really hold.
/// </summary>
internal static unsafe class ZLibMemory
{
    private static long _total;

    /// <summary>Bytes zlib holds for every compressed stream of the process now.</summary>
    public static long TotalBytes => Volatile.Read(ref _total);

    [UnmanagedCallersOnly]
    public static void* Allocate(void* opaque, uint items, uint size)
    {
        var bytes = (nuint)items * size;
        var block = (long*)NativeMemory.Alloc(bytes + sizeof(long));
        if (block == null)
        {
            return null;
        }

        // The block's size is kept in front of it, so the free knows how much to give back.
        *block = (long)bytes;
        Interlocked.Add(ref *(long*)opaque, (long)bytes);
        Interlocked.Add(ref _total, (long)bytes);
        return block + 1;
    }

    [UnmanagedCallersOnly]
    public static void Free(void* opaque, void* address)
    {
        if (address == null)
        {
            return;
        }

        var block = (long*)address - 1;
        Interlocked.Add(ref *(long*)opaque, -*block);
        Interlocked.Add(ref _total, -*block);
        NativeMemory.Free(block);
    }
}
