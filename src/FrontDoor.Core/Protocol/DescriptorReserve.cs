namespace FrontDoor.Core.Protocol;

/// <summary>
/// Keeps FrontDoor's sockets off the process's last descriptors, which the .NET runtime needs: at the limit it
/// aborts the whole process ("Out of memory.") the next time it starts a thread (a thread-pool worker, its
/// JIT's), since it opens <c>/proc/self/status</c> to do so (deploy/README.md, "Out of file descriptors").
/// </summary>
/// <remarks>
/// Two rules on the number the kernel gives a new descriptor, which is the lowest free one, so every number
/// below it is in use. They see a node filling up, whose descriptors are numbered densely; in a table with
/// holes (connections closed low, others open high) the number says less, and the reserve is the backstop:
/// <list type="bullet">
/// <item>An accepted connection whose number is within <see cref="AcceptHeadroom"/> of the soft limit pauses
/// the listeners (the connection itself is kept); they accept again once <see cref="ResumeRoom"/> descriptors
/// are free (<see cref="TryResume"/>). Clients wait in the kernel's queue meanwhile.</item>
/// <item>A backend socket within <see cref="ConnectHeadroom"/> is closed and its login refused: connections
/// accepted before the pause may still log in, down to the runtime's share.</item>
/// </list>
/// The <see cref="Size"/> descriptors held on <c>/dev/null</c> since start-up are given back whenever the
/// listeners pause, by either rule or at the first EMFILE one of FrontDoor's sockets meets (the limit met all
/// the same: lowered from outside, or taken by something else in the process), and taken again before they
/// resume. One per process, as the limit is. Linux only; elsewhere every check passes.
/// </remarks>
internal sealed class DescriptorReserve
{
    /// <summary>Descriptors held back from start-up, given back when FrontDoor's sockets meet the limit.</summary>
    public const int Size = 16;

    /// <summary>The listeners pause when an accepted descriptor is this close to the limit.</summary>
    public const int AcceptHeadroom = 64;

    /// <summary>The listeners resume when this many descriptors are free besides the reserve.</summary>
    public const int ResumeRoom = 64;

    /// <summary>A backend socket this close to the limit is not used: the rest is the runtime's.</summary>
    public const int ConnectHeadroom = 16;

    private readonly Lock _lock = new();
    private readonly int[] _held = new int[Size];
    private int _count;
    private volatile bool _paused;

    internal DescriptorReserve()
    {
    }

    /// <summary>The process's reserve (the limit is per process); tests make their own.</summary>
    public static DescriptorReserve Shared { get; } = new();

    /// <summary>True from the moment the process came near its limit until there is room again: the listeners take no connection.</summary>
    public bool Paused => _paused;

    /// <summary>The descriptors held now (a copy), for tests.</summary>
    internal int[] Descriptors()
    {
        lock (_lock)
        {
            return _held[.._count];
        }
    }

    /// <summary>Takes the reserve if it is not held; at start-up, and by <see cref="TryResume"/>.</summary>
    /// <returns>True when the reserve is held.</returns>
    public bool TryTake()
    {
        if (!OperatingSystem.IsLinux())
        {
            return true;
        }

        lock (_lock)
        {
            while (_count < Size)
            {
                var descriptor = LibC.Open("/dev/null", LibC.CloseOnExec);
                if (descriptor < 0)
                {
                    return false;
                }

                _held[_count++] = descriptor;
            }

            return true;
        }
    }

    /// <summary>For a listener: true when <paramref name="accepted"/> came so near the limit that no more may be taken (the listeners are paused then).</summary>
    public bool AcceptedNearLimit(int accepted) => Near(accepted, AcceptHeadroom);

    /// <summary>For a backend dialer: true when <paramref name="socket"/> came so near the limit that it must not be used (the listeners are paused then).</summary>
    public bool ConnectNearLimit(int socket) => Near(socket, ConnectHeadroom);

    /// <summary>One of FrontDoor's sockets met EMFILE or ENFILE: the reserve goes back to the process, and the listeners pause.</summary>
    public void OnExhausted() => Pause();

    /// <summary>Pauses the listeners and gives the reserve back: near the limit or at it, it is the runtime's room.</summary>
    private void Pause()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        lock (_lock)
        {
            _paused = true;
            for (var i = 0; i < _count; i++)
            {
                LibC.Close(_held[i]);
            }

            _count = 0;
        }
    }

    /// <summary>
    /// For a paused listener: ends the pause once <see cref="ResumeRoom"/> descriptors are free besides the
    /// reserve, which is taken back first. Counted from <c>/proc/self/fd</c>, never by opening descriptors until
    /// one fails, which would leave the runtime none for that moment; only while paused, once per pause interval.
    /// </summary>
    /// <returns>True when the listeners may accept again.</returns>
    public bool TryResume()
    {
        if (!_paused || !OperatingSystem.IsLinux())
        {
            return true;
        }

        lock (_lock)
        {
            if (FreeDescriptors() < Size - _count + ResumeRoom || !TryTake())
            {
                return false;
            }

            _paused = false;
            return true;
        }
    }

    /// <summary>How many more descriptors the process may open: the numbers below its soft limit not in use; 0 when it cannot tell.</summary>
    private static long FreeDescriptors()
    {
        var limit = SoftLimit();
        if (limit == long.MaxValue)
        {
            return long.MaxValue;
        }

        try
        {
            long below = 0;
            foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                if (int.TryParse(Path.GetFileName(entry.AsSpan()), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number < limit)
                {
                    below++;
                }
            }

            // The listing's own descriptor is in it, and closed again.
            return limit - below + 1;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private bool Near(int descriptor, int headroom)
    {
        if (!OperatingSystem.IsLinux() || descriptor < SoftLimit() - headroom)
        {
            return false;
        }

        Pause();
        return true;
    }

    /// <summary>The soft RLIMIT_NOFILE, read each time: an operator may change it under a running process (prlimit).</summary>
    private static long SoftLimit() => OperatingSystem.IsLinux() && LibC.OpenFilesLimit() is var limit and > 0 ? limit : long.MaxValue;
}
