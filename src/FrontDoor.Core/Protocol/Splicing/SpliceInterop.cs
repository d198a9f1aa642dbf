using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace FrontDoor.Core.Protocol.Splicing;

/// <summary>
/// The Linux calls behind <see cref="KernelPipe"/>: a pipe, splice(2) between it and a socket, and a plain
/// read of what a pipe holds. Every call is non-blocking; "would block" comes back as <see cref="WouldBlock"/>.
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class SpliceInterop
{
    private const string Library = LibC.Library;

    /// <summary>The result of a call that would have blocked (EAGAIN).</summary>
    public const long WouldBlock = -1;

    private const int CloseOnExec = LibC.CloseOnExec;
    private const int NonBlockingOpen = LibC.NonBlocking;
    private const int GetStatusFlags = 3;
    private const int SetPipeSize = 1031;
    private const int GetPipeSize = 1032;
    private const uint SpliceMove = 0x1;
    private const uint SpliceNonBlocking = 0x2;
    private const int ErrorAgain = 11;
    private const int ErrorInterrupted = 4;

    [LibraryImport(Library, EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(int* descriptors, int flags);

    [LibraryImport(Library, EntryPoint = "splice", SetLastError = true)]
    private static partial nint SpliceCall(int input, long* inputOffset, int output, long* outputOffset, nint length, uint flags);

    /// <summary>A non-blocking, close-on-exec pipe; false when the system gives none (out of descriptors, no libc).</summary>
    public static bool TryCreatePipe(out int readEnd, out int writeEnd)
    {
        var descriptors = stackalloc int[2];
        readEnd = writeEnd = -1;
        try
        {
            if (Pipe2(descriptors, CloseOnExec | NonBlockingOpen) != 0)
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }

        (readEnd, writeEnd) = (descriptors[0], descriptors[1]);
        return true;
    }

    /// <summary>Asks for a pipe of <paramref name="bytes"/>; returns the size it has (the default when refused: above fs.pipe-max-size, or the user's pipe pages spent).</summary>
    public static int Resize(int pipe, int bytes)
    {
        var size = LibC.Fcntl(pipe, SetPipeSize, bytes);
        return size > 0 ? size : Math.Max(LibC.Fcntl(pipe, GetPipeSize, 0), 0);
    }

    /// <summary>True when <paramref name="descriptor"/> is non-blocking: splice(2) on a socket waits or not by the socket's own flag.</summary>
    public static bool IsNonBlocking(int descriptor) => (LibC.Fcntl(descriptor, GetStatusFlags, 0) & NonBlockingOpen) != 0;

    /// <summary>Moves up to <paramref name="length"/> octets from <paramref name="input"/> to <paramref name="output"/> (one of them a pipe).</summary>
    /// <returns>The octets moved; 0 at the end of the input; <see cref="WouldBlock"/>; or minus the errno minus one for another error.</returns>
    public static long Splice(int input, int output, int length)
    {
        while (true)
        {
            var moved = SpliceCall(input, null, output, null, length, SpliceMove | SpliceNonBlocking);
            if (moved >= 0)
            {
                return moved;
            }

            var error = Marshal.GetLastPInvokeError();
            if (error != ErrorInterrupted)
            {
                return error == ErrorAgain ? WouldBlock : -1L - error;
            }
        }
    }

    /// <summary>Reads what the pipe holds into <paramref name="buffer"/>: the octets read, or <see cref="WouldBlock"/> when it is empty.</summary>
    public static long ReadPipe(int pipe, Span<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            while (true)
            {
                var read = LibC.Read(pipe, start, buffer.Length);
                if (read >= 0)
                {
                    return read;
                }

                var error = Marshal.GetLastPInvokeError();
                if (error != ErrorInterrupted)
                {
                    return error == ErrorAgain ? WouldBlock : -1L - error;
                }
            }
        }
    }

    public static void Close(int descriptor) => LibC.Close(descriptor);
}
