namespace FrontDoor.Core.Protocol;

/// <summary>
/// Descriptors held back for the .NET runtime, so that FrontDoor's sockets never use the process's last ones.
/// At the descriptor limit the runtime aborts the whole process ("Out of memory.") the next time it starts a
/// thread, a thread-pool worker or its JIT's, since it opens <c>/proc/self/status</c> to do so
/// (deploy/README.md, "Out of file descriptors"). The reserve is given back the moment one of FrontDoor's own
/// sockets meets EMFILE or ENFILE, which leaves the runtime that many descriptors; the listeners then take no
/// connection until the reserve can be taken again with as many to spare, so accepting cannot eat that room.
/// One per process, as the limit is. Linux only; elsewhere it holds nothing and is never released.
/// </summary>
internal sealed class DescriptorReserve
{
    /// <summary>How many are held back: the runtime opens one at a time and closes it, a few threads at once at most.</summary>
    public const int Size = 16;

    private readonly Lock _lock = new();
    private readonly int[] _held = new int[Size];
    private int _count;
    private volatile bool _released;

    internal DescriptorReserve()
    {
    }

    /// <summary>The process's reserve (the limit is per process); tests make their own.</summary>
    public static DescriptorReserve Shared { get; } = new();

    /// <summary>True from a release until the reserve is taken again: listeners take no connection meanwhile.</summary>
    public bool Released => _released;

    /// <summary>The descriptors held now (a copy), for tests.</summary>
    internal int[] Descriptors()
    {
        lock (_lock)
        {
            return _held[.._count];
        }
    }

    /// <summary>
    /// Takes the reserve: at start-up, and after a release once <see cref="Size"/> more descriptors than the
    /// reserve itself are free again (so that the connections accepted next do not take the room straight back).
    /// </summary>
    /// <returns>True when the reserve is held.</returns>
    public bool TryTake()
    {
        if (!OperatingSystem.IsLinux())
        {
            return true;
        }

        lock (_lock)
        {
            if (_count == Size)
            {
                return true;
            }

            var wanted = _released ? 2 * Size : Size;
            Span<int> opened = stackalloc int[2 * Size];
            var got = 0;
            while (got < wanted)
            {
                var descriptor = LibC.Open("/dev/null", LibC.CloseOnExec);
                if (descriptor < 0)
                {
                    break;
                }

                opened[got++] = descriptor;
            }

            if (got < wanted)
            {
                CloseAll(opened[..got]);
                return false;
            }

            // Close the room-to-spare half first: the reserve is the rest.
            CloseAll(opened[Size..got]);
            opened[..Size].CopyTo(_held);
            _count = Size;
            _released = false;
            return true;
        }
    }

    /// <summary>Gives the reserve back to the process: one of FrontDoor's sockets met the descriptor limit.</summary>
    public void Release()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        lock (_lock)
        {
            _released = true;
            CloseAll(_held.AsSpan(0, _count));
            _count = 0;
        }
    }

    /// <summary>True for the errors that mean the process (EMFILE) or the system (ENFILE) is out of descriptors.</summary>
    public static bool IsDescriptorExhaustion(System.Net.Sockets.SocketError error) => error == System.Net.Sockets.SocketError.TooManyOpenSockets;

    private static void CloseAll(ReadOnlySpan<int> descriptors)
    {
        foreach (var descriptor in descriptors)
        {
            if (OperatingSystem.IsLinux())
            {
                LibC.Close(descriptor);
            }
        }
    }
}
