using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// shutdown(2) for a socket .NET did not connect (a backend connected on FrontDoor's loop,
/// <see cref="SocketConnection.ConnectOnEventLoopAsync(Socket, System.Net.SocketAddress, CancellationToken)"/>).
/// .NET's <see cref="Socket.Shutdown"/> forgives ENOTCONN only on a socket it knows to be connected; on this
/// one it throws whenever the connection has already reached the kernel's CLOSE state (the peer reset it),
/// though the call still did its work (the socket's waits end). That was an exception per session end.
/// </summary>
[SupportedOSPlatform("linux")]
internal static partial class ShutdownInterop
{
    // ENOTCONN on Linux.
    private const int NotConnected = 107;

    [LibraryImport(LibC.Library, EntryPoint = "shutdown", SetLastError = true)]
    private static partial int Shutdown(int descriptor, int how);

    /// <summary>Shuts <paramref name="how"/> down (SHUT_RD, SHUT_WR and SHUT_RDWR are 0, 1 and 2, as .NET numbers them).</summary>
    /// <exception cref="ObjectDisposedException">The socket is closed.</exception>
    /// <exception cref="SocketException">It failed for another reason than a connection already closed.</exception>
    public static void Shutdown(Socket socket, SocketShutdown how)
    {
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (Shutdown((int)handle.DangerousGetHandle(), (int)how) != 0 && Marshal.GetLastPInvokeError() is var error and not NotConnected)
            {
                throw new SocketException((int)LibC.SocketErrorOf(error));
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}
