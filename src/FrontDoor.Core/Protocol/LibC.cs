using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace FrontDoor.Core.Protocol;

/// <summary>The plain descriptor calls of <see cref="Events.EpollInterop"/>, <see cref="Splicing.SpliceInterop"/>, <see cref="SocketConnection"/> and <see cref="DescriptorReserve"/>.</summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class LibC
{
    public const string Library = "libc";

    /// <summary>O_CLOEXEC (also EPOLL_CLOEXEC, EFD_CLOEXEC): a descriptor no child process inherits.</summary>
    public const int CloseOnExec = 0x80000;

    /// <summary>O_NONBLOCK (also EFD_NONBLOCK).</summary>
    public const int NonBlocking = 0x800;

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetResourceLimit(int resource, ulong* limits);

    /// <summary>The soft limit on open descriptors (RLIMIT_NOFILE); -1 when it cannot be read, long.MaxValue when unlimited.</summary>
    public static long OpenFilesLimit()
    {
        const int OpenFiles = 7; // RLIMIT_NOFILE, the same number on every Linux architecture .NET runs on
        var limits = stackalloc ulong[2];
        return GetResourceLimit(OpenFiles, limits) != 0 ? -1 : limits[0] > long.MaxValue ? long.MaxValue : (long)limits[0];
    }

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int descriptor, byte* buffer, nint count);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int descriptor);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int descriptor, int command, int argument);

    [LibraryImport(Library, EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int descriptor, byte* address, int length);

    public const int InProgress = 115;

    /// <summary>
    /// What .NET would call a connect's immediate failure (Linux errno numbers), pinned against .NET's own
    /// reading of the same failures by tests/FrontDoor.Core.Tests/Protocol/LibCTests.cs.
    /// </summary>
    public static System.Net.Sockets.SocketError SocketErrorOf(int errno) => errno switch
    {
        13 or 1 => System.Net.Sockets.SocketError.AccessDenied,
        22 => System.Net.Sockets.SocketError.InvalidArgument,
        97 => System.Net.Sockets.SocketError.AddressFamilyNotSupported,
        99 => System.Net.Sockets.SocketError.AddressNotAvailable,
        101 => System.Net.Sockets.SocketError.NetworkUnreachable,
        111 => System.Net.Sockets.SocketError.ConnectionRefused,
        113 => System.Net.Sockets.SocketError.HostUnreachable,
        110 => System.Net.Sockets.SocketError.TimedOut,
        105 => System.Net.Sockets.SocketError.NoBufferSpaceAvailable,
        _ => System.Net.Sockets.SocketError.SocketError,
    };

    /// <summary>
    /// Starts a connect on a non-blocking socket without an exception for the usual "in progress" (.NET's
    /// <see cref="System.Net.Sockets.Socket.Connect(System.Net.EndPoint)"/> throws one, about 450 bytes, at every
    /// backend login).
    /// </summary>
    /// <returns>0 (connected), <see cref="InProgress"/>, or another errno.</returns>
    public static int StartConnect(System.Net.Sockets.SafeSocketHandle socket, System.Net.SocketAddress address)
    {
        // A SocketAddress holds the platform's own sockaddr (family first, in the system's numbering).
        var bytes = address.Buffer.Span[..address.Size];
        using var held = new HeldDescriptor(socket);
        fixed (byte* native = bytes)
        {
            return Connect(held.Open, native, bytes.Length) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }
}
