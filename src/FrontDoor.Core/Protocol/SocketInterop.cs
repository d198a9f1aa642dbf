using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// The socket calls FrontDoor makes itself, where .NET's would cost more than the call:
/// <list type="bullet">
/// <item>shutdown(2) for a socket .NET did not connect (a backend connected on FrontDoor's loop,
/// <see cref="SocketConnection.ConnectOnEventLoopAsync(Socket, System.Net.SocketAddress, CancellationToken)"/>).
/// .NET's <see cref="Socket.Shutdown"/> forgives ENOTCONN only on a socket it knows to be connected; on this
/// one it throws whenever the connection has already reached the kernel's CLOSE state (the peer reset it),
/// though the call still did its work (the socket's waits end). That was an exception per session end.</item>
/// <item>A send that does not wait (MSG_DONTWAIT), for the greeting: through .NET, a send on a socket
/// that has never been made non-blocking makes its asynchronous context first (about 220 B with its
/// locks), and a greeted connection that is parked at once closes that socket right after
/// (bench/README.md, garbage per login).</item>
/// </list>
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class SocketInterop
{
    // ENOTCONN, EAGAIN (also EWOULDBLOCK) and EINTR on Linux.
    private const int NotConnected = 107;
    private const int TryAgain = 11;
    private const int Interrupted = 4;

    // MSG_DONTWAIT | MSG_NOSIGNAL: no wait, and a closed peer is an error rather than SIGPIPE (as .NET sends).
    private const int SendFlags = 0x40 | 0x4000;

    [LibraryImport(LibC.Library, EntryPoint = "send", SetLastError = true)]
    private static partial nint Send(int descriptor, byte* buffer, nint length, int flags);

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

    /// <summary>Sends what the socket takes now, without waiting.</summary>
    /// <returns>How many octets went (none when the send buffer is full).</returns>
    /// <exception cref="ObjectDisposedException">The socket is closed.</exception>
    /// <exception cref="IOException">The connection broke, as <see cref="NetworkStream"/> reports it.</exception>
    public static int SendWithoutWaiting(Socket socket, ReadOnlySpan<byte> data)
    {
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            while (true)
            {
                nint sent;
                fixed (byte* bytes = data)
                {
                    sent = Send((int)handle.DangerousGetHandle(), bytes, data.Length, SendFlags);
                }

                if (sent >= 0)
                {
                    return (int)sent;
                }

                switch (Marshal.GetLastPInvokeError())
                {
                    case TryAgain:
                        return 0;
                    case Interrupted:
                        continue;
                    case var error:
                        var socketError = LibC.SocketErrorOf(error);
                        throw new IOException($"Unable to write data to the transport connection: {socketError}.", new SocketException((int)socketError));
                }
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
