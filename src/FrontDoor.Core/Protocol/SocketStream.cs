using System.Net.Sockets;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// The socket's stream, whose writes first go out with a non-blocking send and wait (asynchronously, as
/// <see cref="NetworkStream"/> does) only for what the socket did not take. .NET keeps the state of a
/// socket's first asynchronous send (an event-args object and its callback, about 360 B) for the
/// socket's life; a write that fits the send buffer, which is every write of an idle or lightly used
/// session, makes none, and a logged-in session has two sockets (bench/README.md). Reads are
/// <see cref="NetworkStream"/>'s.
/// </summary>
internal sealed class SocketStream(Socket socket) : NetworkStream(socket, ownsSocket: false)
{
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        var sent = SendWithoutWaiting(Socket, buffer.Span);
        return sent == buffer.Length ? ValueTask.CompletedTask : base.WriteAsync(buffer[sent..], cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>
    /// Sends what <paramref name="socket"/> takes at once, without waiting: the socket is non-blocking for
    /// the call (a flag of .NET's; the descriptor itself is non-blocking already once it has been used
    /// asynchronously), so nothing blocks the thread.
    /// </summary>
    /// <returns>How many octets went (none when the send buffer is full); the caller sends the rest asynchronously.</returns>
    /// <exception cref="IOException">The connection broke, as <see cref="NetworkStream"/> reports it.</exception>
    internal static int SendWithoutWaiting(Socket socket, ReadOnlySpan<byte> data)
    {
        int sent;
        SocketError error;
        using (new NonBlocking(socket))
        {
            sent = socket.Send(data, SocketFlags.None, out error);
        }

        return Completed(sent, error, nothingYet: 0, "write data to");
    }

    /// <summary>Receives (or, with <see cref="SocketFlags.Peek"/>, looks at) what is queued now, without waiting, as <see cref="SendWithoutWaiting"/> sends.</summary>
    /// <returns>How many octets were there: -1 when none yet, 0 when the peer has closed.</returns>
    /// <exception cref="IOException">The connection broke.</exception>
    internal static int ReceiveWithoutWaiting(Socket socket, Span<byte> buffer, SocketFlags flags)
    {
        int received;
        SocketError error;
        using (new NonBlocking(socket))
        {
            received = socket.Receive(buffer, flags, out error);
        }

        return Completed(received, error, nothingYet: -1, "read data from");
    }

    /// <summary>The count of a non-blocking call, <paramref name="nothingYet"/> when it would have blocked; an error as <see cref="NetworkStream"/> reports it.</summary>
    private static int Completed(int count, SocketError error, int nothingYet, string action) => error switch
    {
        SocketError.Success => count,
        SocketError.WouldBlock => nothingYet,
        _ => throw new IOException($"Unable to {action} the transport connection: {error}.", new SocketException((int)error)),
    };

    /// <summary>The socket non-blocking until disposed.</summary>
    private readonly ref struct NonBlocking
    {
        private readonly Socket _socket;

        public NonBlocking(Socket socket)
        {
            _socket = socket;
            socket.Blocking = false;
        }

        public void Dispose() => _socket.Blocking = true;
    }
}
