using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// The socket calls FrontDoor makes itself, where .NET's would cost more than the call:
/// <list type="bullet">
/// <item>shutdown(2) for a socket .NET did not connect (a backend connected on FrontDoor's loop,
/// <see cref="SocketConnection.ConnectOnEventLoopAsync(Socket, System.Net.EndPoint, CancellationToken)"/>).
/// .NET's <see cref="Socket.Shutdown"/> forgives ENOTCONN only on a socket it knows to be connected; on this
/// one it throws whenever the connection has already reached the kernel's CLOSE state (the peer reset it),
/// though the call still did its work (the socket's waits end). That was an exception per session end.</item>
/// <item>Sends and receives that do not wait (MSG_DONTWAIT), and the descriptor made non-blocking with
/// ioctl(2) FIONBIO, or a socket made non-blocking by socket(2): through .NET, making a socket non-blocking, or a send on one that never was, first makes the
/// socket's asynchronous context (152 B and three lock objects), which a socket whose waits are
/// FrontDoor's own never uses; it was made for every socket of every login and held for the session's life,
/// and for a greeted connection that is parked at once, for a socket closed right after (bench/README.md,
/// garbage per login).</item>
/// </list>
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class SocketInterop
{
    // ENOTCONN, EAGAIN (also EWOULDBLOCK) and EINTR on Linux.
    private const int NotConnected = 107;
    private const int TryAgain = 11;
    private const int Interrupted = 4;

    // MSG_DONTWAIT: no wait; MSG_NOSIGNAL: a closed peer is an error rather than SIGPIPE (as .NET sends);
    // MSG_PEEK: look without taking.
    private const int DontWait = 0x40;
    private const int NoSignal = 0x4000;
    private const int PeekFlag = 0x2;

    // ioctl(2) FIONBIO: sets or clears O_NONBLOCK in one call, where fcntl(2) takes two (F_GETFL, then
    // F_SETFL). The generic Linux number, but for PowerPC's (its ioctl numbers are its own).
    private static readonly nuint SetNonBlocking = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == Architecture.Ppc64le ? 0x8004667e : 0x5421;

    // socket(2) type flags: SOCK_STREAM, SOCK_NONBLOCK (O_NONBLOCK) and SOCK_CLOEXEC (O_CLOEXEC); IPPROTO_TCP.
    private const int Stream = 1;
    private const int Tcp = 6;

    // Without SetLastError: it clears errno before the call and copies it after, two more native calls per
    // relayed send or receive, for a value only a failed call needs. errno is read directly on failure, as the
    // generated code reads it, and the runtime keeps it across its return from native code.
    [LibraryImport(LibC.Library, EntryPoint = "send")]
    private static partial nint Send(int descriptor, byte* buffer, nint length, int flags);

    [LibraryImport(LibC.Library, EntryPoint = "recv")]
    private static partial nint Receive(int descriptor, byte* buffer, nint length, int flags);

    [LibraryImport(LibC.Library, EntryPoint = "ioctl", SetLastError = true)]
    private static partial int IoControl(int descriptor, nuint request, int* argument);

    [LibraryImport(LibC.Library, EntryPoint = "socket", SetLastError = true)]
    private static partial int NewSocket(int family, int type, int protocol);

    /// <summary>Makes the descriptor non-blocking (for a connect that does not wait, and for splice), leaving .NET's view of the socket as it was.</summary>
    /// <exception cref="ObjectDisposedException">The socket is closed.</exception>
    /// <exception cref="SocketException">ioctl failed.</exception>
    public static void MakeNonBlocking(Socket socket)
    {
        using var held = new HeldDescriptor(socket.SafeHandle);
        var on = 1;
        if (IoControl(held.Open, SetNonBlocking, &on) != 0)
        {
            throw new SocketException((int)ErrorOf(Marshal.GetLastPInvokeError()));
        }
    }

    /// <summary>
    /// A new TCP socket, non-blocking and close-on-exec from its socket(2) call, so a connect on the loop
    /// needs no call to make it so (<see cref="MakeNonBlocking"/>); a <see cref="BareSocket"/>, as nothing
    /// but FrontDoor's own calls use it.
    /// </summary>
    /// <returns>Null where this runtime cannot wrap a descriptor bare (the caller makes a socket the usual way).</returns>
    /// <exception cref="SocketException">socket(2) failed (EMFILE, ENOBUFS, an unsupported family).</exception>
    public static Socket? TryNewNonBlockingSocket(AddressFamily family)
    {
        var number = family switch
        {
            AddressFamily.InterNetwork => 2,
            AddressFamily.InterNetworkV6 => 10,
            _ => -1,
        };
        if (number < 0)
        {
            return null;
        }

        var descriptor = NewSocket(number, Stream | LibC.NonBlocking | LibC.CloseOnExec, Tcp);
        if (descriptor < 0)
        {
            // EMFILE and ENFILE as .NET's own socket() reports them, so the caller sees the node out of descriptors
            // (LocalExhaustion); ENOMEM with ENOBUFS, as out of kernel memory.
            throw new SocketException((int)(Marshal.GetLastPInvokeError() switch
            {
                24 or 23 => SocketError.TooManyOpenSockets,
                12 => SocketError.NoBufferSpaceAvailable,
                var error => LibC.SocketErrorOf(error),
            }));
        }

        var handle = new SafeSocketHandle(descriptor, ownsHandle: true);
        var socket = BareSocket.TryWrap(handle);
        if (socket is null)
        {
            handle.Dispose();
        }

        return socket;
    }

    [LibraryImport(LibC.Library, EntryPoint = "shutdown", SetLastError = true)]
    private static partial int Shutdown(int descriptor, int how);

    /// <summary>Shuts <paramref name="how"/> down (SHUT_RD, SHUT_WR and SHUT_RDWR are 0, 1 and 2, as .NET numbers them).</summary>
    /// <exception cref="ObjectDisposedException">The socket is closed.</exception>
    /// <exception cref="SocketException">It failed for another reason than a connection already closed.</exception>
    public static void Shutdown(Socket socket, SocketShutdown how)
    {
        using var held = new HeldDescriptor(socket.SafeHandle);
        if (Shutdown(held.Open, (int)how) != 0 && Marshal.GetLastPInvokeError() is var error and not NotConnected)
        {
            throw new SocketException((int)ErrorOf(error));
        }
    }

    /// <summary>Sends what the socket takes now, without waiting.</summary>
    /// <returns>How many octets went; -1 when the send buffer is full.</returns>
    /// <exception cref="ObjectDisposedException">The socket is closed.</exception>
    /// <exception cref="IOException">The connection broke, as <see cref="NetworkStream"/> reports it.</exception>
    public static int SendWithoutWaiting(Socket socket, ReadOnlySpan<byte> data) =>
        Transfer(socket, ref MemoryMarshal.GetReference(data), data.Length, send: true, DontWait | NoSignal);

    /// <summary>Receives (or, with <paramref name="peek"/>, looks at) what is queued now, without waiting.</summary>
    /// <returns>How many octets were there: -1 when none yet, 0 when the peer has closed.</returns>
    /// <exception cref="ObjectDisposedException">The socket is closed.</exception>
    /// <exception cref="IOException">The connection broke, as <see cref="NetworkStream"/> reports it.</exception>
    public static int ReceiveWithoutWaiting(Socket socket, Span<byte> buffer, bool peek) =>
        Transfer(socket, ref MemoryMarshal.GetReference(buffer), buffer.Length, send: false, peek ? DontWait | PeekFlag : DontWait);

    private static int Transfer(Socket socket, ref byte start, int length, bool send, int flags)
    {
        using var held = new HeldDescriptor(socket.SafeHandle);
        while (true)
        {
            nint done;
            fixed (byte* bytes = &start)
            {
                done = send ? Send(held.Open, bytes, length, flags) : Receive(held.Open, bytes, length, flags);
            }

            if (done >= 0)
            {
                return (int)done;
            }

            switch (Marshal.GetLastSystemError())
            {
                case TryAgain:
                    return -1;
                case Interrupted:
                    continue;
                case var error:
                    var socketError = ErrorOf(error);
                    throw new IOException($"Unable to {(send ? "write data to" : "read data from")} the transport connection: {socketError}.", new SocketException((int)socketError));
            }
        }
    }

    [LibraryImport(LibC.Library, EntryPoint = "getsockname", SetLastError = true)]
    private static partial int GetSocketName(int descriptor, byte* address, int* length);

    [LibraryImport(LibC.Library, EntryPoint = "getpeername", SetLastError = true)]
    private static partial int GetPeerName(int descriptor, byte* address, int* length);

    /// <summary>
    /// The socket's own address (getsockname(2)), or with <paramref name="peer"/> its peer's (getpeername(2)),
    /// read from the system at each call: for a socket .NET knows nothing of (<see cref="BareSocket"/>).
    /// </summary>
    /// <returns>Null when it is not an IPv4 or IPv6 socket, or the call failed (the peer is gone).</returns>
    /// <exception cref="ObjectDisposedException">The socket is closed.</exception>
    public static System.Net.IPEndPoint? EndPointOf(Socket socket, bool peer)
    {
        // struct sockaddr_in6 (28 octets) is the largest of the two; sa_family in host order, the port in
        // network order, then the IPv4 address, or the flow label, the IPv6 address and its scope id.
        const int InterNetwork = 2;
        const int InterNetworkV6 = 10;
        Span<byte> address = stackalloc byte[28];
        var length = address.Length;
        using (var held = new HeldDescriptor(socket.SafeHandle))
        {
            fixed (byte* start = address)
            {
                if ((peer ? GetPeerName(held.Open, start, &length) : GetSocketName(held.Open, start, &length)) != 0)
                {
                    return null;
                }
            }
        }

        var port = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(address[2..]);
        return MemoryMarshal.Read<ushort>(address) switch
        {
            InterNetwork when length >= 8 => new System.Net.IPEndPoint(new System.Net.IPAddress(address.Slice(4, 4)), port),
            InterNetworkV6 when length >= 28 => new System.Net.IPEndPoint(new System.Net.IPAddress(address.Slice(8, 16), MemoryMarshal.Read<uint>(address[24..])), port),
            _ => null,
        };
    }

    /// <summary>What .NET calls a send's or receive's failure (Linux errno numbers); the rest as a connect's.</summary>
    private static SocketError ErrorOf(int errno) => errno switch
    {
        104 => SocketError.ConnectionReset,
        32 => SocketError.Shutdown,
        103 => SocketError.ConnectionAborted,
        NotConnected => SocketError.NotConnected,
        9 => SocketError.OperationAborted,
        _ => LibC.SocketErrorOf(errno),
    };
}
