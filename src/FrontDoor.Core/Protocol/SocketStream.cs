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
/// (<see cref="SocketEventLoop"/>) and the socket never waits in .NET's engine; otherwise reads and the rest
/// of writes are a <see cref="NetworkStream"/>'s. Not a <see cref="NetworkStream"/> itself: that takes only
/// a socket .NET knows to be connected, and a backend connected on the loop is not one
/// (<see cref="SocketConnection.ConnectOnEventLoopAsync(Socket, System.Net.EndPoint, CancellationToken)"/>).
/// </summary>
internal sealed class SocketStream(Socket socket, SocketReadiness? events) : Stream
{
    // .NET's stream where FrontDoor's loop does not wait (not Linux, or the loop turned off): the socket
    // is connected by .NET there, and blocking while the stream is made.
    private readonly NetworkStream? _runtime = events is null ? new NetworkStream(socket, ownsSocket: false) : null;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Flush()
    {
        // Every write goes to the socket at once.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A read that does not wait on the loop's socket (the thread must not block): what is queued, or an error as .NET's non-blocking socket gives it.</summary>
    public override int Read(Span<byte> buffer)
    {
        if (_runtime is not null)
        {
            return _runtime.Read(buffer);
        }

        var received = ReceiveWithoutWaiting(socket, buffer, SocketFlags.None);
        return received >= 0 ? received : throw WouldBlock("read data from");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>A write that does not wait on the loop's socket (the thread must not block): all of it, or an error as .NET's non-blocking socket gives it.</summary>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_runtime is not null)
        {
            _runtime.Write(buffer);
            return;
        }

        if (SendWithoutWaiting(socket, buffer) != buffer.Length)
        {
            throw WouldBlock("write data to");
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _runtime?.Dispose();
        }

        base.Dispose(disposing);
    }

    private static IOException WouldBlock(string action) =>
        new($"Unable to {action} the transport connection: {SocketError.WouldBlock}.", new SocketException((int)SocketError.WouldBlock));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        var sent = SendWithoutWaiting(socket, buffer.Span);
        if (sent == buffer.Length)
        {
            return ValueTask.CompletedTask;
        }

        return events is not null && OperatingSystem.IsLinux()
            ? SendWaitingAsync(socket, events, buffer[sent..], cancellationToken)
            : _runtime!.WriteAsync(buffer[sent..], cancellationToken);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (events is null || !OperatingSystem.IsLinux())
        {
            return _runtime!.ReadAsync(buffer, cancellationToken);
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
            received = ReceiveWithoutWaiting(socket, buffer, SocketFlags.None);
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
    /// Sends what <paramref name="socket"/> takes at once, without waiting, so nothing blocks the thread: on
    /// Linux a send with MSG_DONTWAIT (<see cref="SocketInterop"/>: no .NET asynchronous context for it);
    /// elsewhere the socket is non-blocking for the call (a flag of .NET's).
    /// </summary>
    /// <returns>How many octets went (none when the send buffer is full); the caller sends the rest asynchronously.</returns>
    /// <exception cref="IOException">The connection broke, as <see cref="NetworkStream"/> reports it.</exception>
    internal static int SendWithoutWaiting(Socket socket, ReadOnlySpan<byte> data)
    {
        if (OperatingSystem.IsLinux())
        {
            // Nothing full yet is nothing sent.
            return Math.Max(SocketInterop.SendWithoutWaiting(socket, data), 0);
        }

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
        if (OperatingSystem.IsLinux() && flags is SocketFlags.None or SocketFlags.Peek)
        {
            return SocketInterop.ReceiveWithoutWaiting(socket, buffer, peek: flags == SocketFlags.Peek);
        }

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
