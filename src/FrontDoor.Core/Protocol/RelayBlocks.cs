using System.Buffers;
using FrontDoor.Core.Protocol.Events;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// The blocks connections read into and write from (<see cref="ImapConnection.BufferSize"/>): on a socket
/// loop's thread, from the few that loop keeps (<see cref="SocketEventLoop.TakeBlock"/>), elsewhere from the
/// shared pool. A relayed command holds two at once, the reading side's and the writing side's; the shared
/// pool keeps one per size on a thread, so the second went to its per-core stacks (the CPU number, a lock) at
/// every rent and return. The loop's own are its thread's alone, and the same few blocks stay in its caches
/// (bench/README.md, "Per relayed command, in user space").
/// </summary>
internal static class RelayBlocks
{
    /// <summary>A block of at least <paramref name="minimum"/> octets, and never less than <see cref="ImapConnection.BufferSize"/>.</summary>
    public static byte[] Rent(int minimum)
    {
        if (minimum <= ImapConnection.BufferSize && OperatingSystem.IsLinux() && SocketEventLoop.Current?.TakeBlock() is { } kept)
        {
            return kept;
        }

        return ArrayPool<byte>.Shared.Rent(Math.Max(minimum, ImapConnection.BufferSize));
    }

    /// <summary>Gives back a block from <see cref="Rent"/>; it must not be used after.</summary>
    public static void Return(byte[] block)
    {
        if (block.Length == ImapConnection.BufferSize && OperatingSystem.IsLinux() && SocketEventLoop.Current is { } loop && loop.KeepBlock(block))
        {
            return;
        }

        ArrayPool<byte>.Shared.Return(block);
    }
}
