using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using FrontDoor.Core.Protocol.Events;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// The socket's stream, whose writes first go out with a non-blocking send and wait (asynchronously, as
/// <see cref="NetworkStream"/> does) only for what the socket did not take. .NET keeps the state of a
/// socket's first asynchronous send (an event-args object and its callback, about 360 B) for the
/// socket's life; a write that fits the send buffer, which is every write of an idle or lightly used
/// session, makes none, and a logged-in session has two sockets (bench/README.md). With
/// <paramref name="events"/> (Linux), reads and the waits of both directions are FrontDoor's own
/// (<see cref="SocketEventLoop"/>) and the socket never waits in .NET's engine; otherwise reads are
/// <see cref="NetworkStream"/>'s.
/// </summary>
internal sealed class SocketStream(Socket socket, SocketReadiness? events) : NetworkStream(socket, ownsSocket: false)
{
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        var sent = SendWithoutWaiting(Socket, buffer.Span);
        if (sent == buffer.Length)
        {
            return ValueTask.CompletedTask;
        }

        return events is not null && OperatingSystem.IsLinux()
            ? SendWaitingAsync(Socket, events, buffer[sent..], cancellationToken)
            : base.WriteAsync(buffer[sent..], cancellationToken);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (events is null || !OperatingSystem.IsLinux())
        {
            return base.ReadAsync(buffer, cancellationToken);
        }

        // A zero-byte read is the wait alone: it holds no buffer (a pipe's zero-byte reads, a pump's idle wait).
        if (buffer.IsEmpty)
        {
            return events.WaitReadableAsync(cancellationToken);
        }

        var received = TryReceive(buffer.Span);
        return received >= 0 ? ValueTask.FromResult(received) : ReceiveWaitingAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Pooled: under TLS every wait for the peer is one of these.
    [SupportedOSPlatform("linux")]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveWaitingAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            await events!.WaitReadableAsync(cancellationToken).ConfigureAwait(false);
            var received = TryReceive(buffer.Span);
            if (received >= 0)
            {
                return received;
            }
        }
    }

    /// <returns>-1 when nothing was there.</returns>
    [SupportedOSPlatform("linux")]
    private int TryReceive(Span<byte> buffer)
    {
        events!.ReadStarting();
        int received;
        try
        {
            received = ReceiveWithoutWaiting(Socket, buffer, SocketFlags.None);
        }
        catch (ObjectDisposedException ex)
        {
            // Closed under a pending read: reported as .NET's engine reports an aborted receive.
            throw new IOException("The transport connection was closed.", ex);
        }

        events.ReadDone(received, buffer.Length);
        return received;
    }

    /// <summary>Sends the rest of a write whose start the send buffer took, waiting for room on the event loop.</summary>
    [SupportedOSPlatform("linux")]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal static async ValueTask SendWaitingAsync(Socket socket, SocketReadiness events, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            await events.WaitWritableAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                data = data[SendWithoutWaiting(socket, data.Span)..];
            }
            catch (ObjectDisposedException ex)
            {
                throw new IOException("The transport connection was closed.", ex);
            }
        }
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

    /// <summary>The socket non-blocking until disposed (one on FrontDoor's event loop stays so).</summary>
    private readonly ref struct NonBlocking
    {
        private readonly Socket? _restore;

        public NonBlocking(Socket socket)
        {
            if (socket.Blocking)
            {
                _restore = socket;
                socket.Blocking = false;
            }
        }

        public void Dispose()
        {
            if (_restore is not null)
            {
                _restore.Blocking = true;
            }
        }
    }
}
