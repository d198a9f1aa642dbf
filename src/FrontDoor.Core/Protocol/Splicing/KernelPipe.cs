using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace FrontDoor.Core.Protocol.Splicing;

/// <summary>
/// A kernel pipe that carries octets from one socket to another with splice(2), so they never enter
/// FrontDoor's memory: socket to pipe (<see cref="FillFrom"/>), pipe to socket (<see cref="DrainTo"/>).
/// Made for one literal and disposed after it, so an idle session holds none. The sockets are used
/// through their <see cref="SafeHandle"/>, referenced for each call, so a socket closed meanwhile cannot
/// have its descriptor reused under the call.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class KernelPipe : IDisposable
{
    // A splice from a TCP socket takes what its receive queue holds, seldom more than two 64 KiB segments on
    // loopback: 256 KiB leaves room for a burst while a stalled client pins no more than that in the kernel.
    private const int WantedSize = 256 * 1024;

    // An unprivileged user past fs.pipe-user-pages-soft (16,384 pages: 256 pipes of 256 KiB at once) gets
    // pipes of two pages and cannot grow them, too small to beat the usual 64 KiB copies: such a pipe is
    // not used. So the kernel memory that splicing pins is bounded for the whole process.
    private const int SmallestUseful = 64 * 1024;

    // EBADF: what a send on a closed socket reports.
    private const int ClosedError = 9;

    private readonly int _readEnd;
    private readonly int _writeEnd;
    private int _disposed;

    private KernelPipe(int readEnd, int writeEnd, int capacity)
    {
        _readEnd = readEnd;
        _writeEnd = writeEnd;
        Capacity = capacity;
    }

    /// <summary>How much the pipe holds when full.</summary>
    public int Capacity { get; }

    /// <summary>Octets in the pipe, not yet sent on.</summary>
    public int Pending { get; private set; }

    /// <summary>How many more octets the pipe takes now.</summary>
    public int Room => Capacity - Pending;

    /// <summary>A new pipe, or null when the system gives none or only a small one (then the caller copies as usual).</summary>
    public static KernelPipe? TryCreate()
    {
        if (!SpliceInterop.TryCreatePipe(out var readEnd, out var writeEnd))
        {
            return null;
        }

        var capacity = SpliceInterop.Resize(writeEnd, WantedSize);
        if (capacity < SmallestUseful)
        {
            SpliceInterop.Close(readEnd);
            SpliceInterop.Close(writeEnd);
            return null;
        }

        return new KernelPipe(readEnd, writeEnd, capacity);
    }

    /// <summary>True when <paramref name="socket"/> is open and non-blocking, as splice(2) needs it (a socket waits by its own flag, not the call's).</summary>
    public static bool CanUse(SafeHandle socket)
    {
        using var held = new HeldDescriptor(socket);
        return held.Descriptor >= 0 && SpliceInterop.IsNonBlocking(held.Descriptor);
    }

    /// <summary>Moves up to <paramref name="count"/> octets (at most what the pipe has room for) from <paramref name="socket"/> into the pipe.</summary>
    /// <returns>The octets moved; 0 when the peer closed (or the socket's receive side was shut); <see cref="SpliceInterop.WouldBlock"/> when none are there yet.</returns>
    /// <exception cref="IOException">The connection broke.</exception>
    public long FillFrom(SafeHandle socket, long count)
    {
        // A splice of nothing returns 0, which would read as the peer's close.
        if (count <= 0 || Room == 0)
        {
            throw new InvalidOperationException("nothing to move, or no room in the pipe");
        }

        long moved;
        using (var held = new HeldDescriptor(socket))
        {
            moved = held.Descriptor < 0 ? 0 : SpliceInterop.Splice(held.Descriptor, _writeEnd, (int)Math.Min(count, Room));
        }

        if (moved > 0)
        {
            Pending += (int)moved;
        }

        return Checked(moved, "read data from");
    }

    /// <summary>Sends what the pipe holds to <paramref name="socket"/>, as much as its send buffer takes now.</summary>
    /// <returns>The octets sent; <see cref="SpliceInterop.WouldBlock"/> when the send buffer is full.</returns>
    /// <exception cref="IOException">The connection broke.</exception>
    public long DrainTo(SafeHandle socket)
    {
        long moved;
        using (var held = new HeldDescriptor(socket))
        {
            moved = held.Descriptor < 0 ? -1L - ClosedError : SpliceInterop.Splice(_readEnd, held.Descriptor, Pending);
        }

        if (moved > 0)
        {
            Pending -= (int)moved;
        }

        return Checked(moved, "write data to");
    }

    /// <summary>Takes octets out of the pipe into <paramref name="buffer"/> (for a send that has to wait, done the usual way).</summary>
    public int ReadInto(Span<byte> buffer)
    {
        var read = SpliceInterop.ReadPipe(_readEnd, buffer[..Math.Min(buffer.Length, Pending)]);
        if (read <= 0)
        {
            throw new IOException("the kernel pipe gave back nothing of what it holds");
        }

        Pending -= (int)read;
        return (int)read;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            SpliceInterop.Close(_readEnd);
            SpliceInterop.Close(_writeEnd);
        }
    }

    private static long Checked(long result, string action) =>
        result >= SpliceInterop.WouldBlock
            ? result
            : throw new IOException($"Unable to {action} the transport connection: errno {-1 - result}.");
}
