using System.Buffers;
using System.IO.Pipelines;

namespace FrontDoor.Testing;

/// <summary>
/// One end of an in-memory pair as a <see cref="Stream"/>, with a TCP socket's ends: a zero-byte read waits
/// for data without taking any; <see cref="ShutdownSend"/> is a half-close (the peer reads what was sent,
/// then the end); <see cref="ShutdownReceive"/> ends reads, a pending one included; <see cref="Abort"/> is
/// both; disposing also stops taking the peer's writes, which then fail with an <see cref="IOException"/>.
/// </summary>
internal sealed class DuplexPipeStream : Stream
{
    private readonly IDuplexPipe _pipe;

    // Ints for Interlocked: a shutdown from another thread and a write in progress must see each other
    // (the write completes the pipe itself when a shutdown came in meanwhile).
    private int _sendShut;
    private int _receiveShut;
    private int _writing;
    private int _outputCompleted;
    private int _inputCompleted;

    public DuplexPipeStream(IDuplexPipe pipe)
    {
        _pipe = pipe;
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Reads what is there, up to <paramref name="buffer"/>'s length; 0 at the end. An empty buffer only waits for data.</summary>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (Volatile.Read(ref _receiveShut) != 0)
            {
                return 0;
            }

            var result = await _pipe.Input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var data = result.Buffer;
            if (Volatile.Read(ref _receiveShut) != 0 || (data.IsEmpty && result.IsCompleted))
            {
                _pipe.Input.AdvanceTo(data.Start);
                return 0;
            }

            if (result.IsCanceled && data.IsEmpty)
            {
                _pipe.Input.AdvanceTo(data.Start);
                continue;
            }

            if (buffer.IsEmpty)
            {
                // Consumed and examined nothing: the next read returns the same octets at once.
                _pipe.Input.AdvanceTo(data.Start);
                return 0;
            }

            var count = (int)Math.Min(buffer.Length, data.Length);
            data.Slice(0, count).CopyTo(buffer.Span);
            _pipe.Input.AdvanceTo(data.GetPosition(count));
            return count;
        }
    }

    /// <summary>Writes and flushes; waits while the peer has too much unread (<see cref="InMemoryPipePair.Create"/>); fails once the peer has closed.</summary>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Interlocked.Exchange(ref _writing, 1);
        try
        {
            if (Interlocked.CompareExchange(ref _sendShut, 0, 0) != 0)
            {
                throw new IOException("the connection is shut down for sending");
            }

            var flush = await _pipe.Output.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (flush.IsCanceled)
            {
                throw new IOException("the connection was aborted");
            }

            if (flush.IsCompleted)
            {
                throw new IOException("the peer closed the connection");
            }
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
            if (Volatile.Read(ref _sendShut) != 0)
            {
                CompleteOutput();
            }
        }
    }

    /// <summary>Half-close: the peer reads what was written, then the end. A write in progress fails.</summary>
    public void ShutdownSend()
    {
        if (Interlocked.Exchange(ref _sendShut, 1) != 0)
        {
            return;
        }

        _pipe.Output.CancelPendingFlush();
        if (Interlocked.CompareExchange(ref _writing, 0, 0) == 0)
        {
            CompleteOutput();
        }
    }

    /// <summary>No more reads: a pending one returns 0 now, later ones at once.</summary>
    public void ShutdownReceive()
    {
        if (Interlocked.Exchange(ref _receiveShut, 1) == 0)
        {
            _pipe.Input.CancelPendingRead();
        }
    }

    /// <summary>Both directions stop at once, as a socket's shutdown of both.</summary>
    public void Abort()
    {
        ShutdownReceive();
        ShutdownSend();
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
        // Every write is flushed.
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("in-memory streams are asynchronous only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("in-memory streams are asynchronous only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Abort();

            // The peer's writes now see a closed reader and fail, as writes to a closed socket do.
            if (Interlocked.Exchange(ref _inputCompleted, 1) == 0)
            {
                _pipe.Input.Complete();
            }
        }

        base.Dispose(disposing);
    }

    private void CompleteOutput()
    {
        if (Interlocked.Exchange(ref _outputCompleted, 1) == 0)
        {
            _pipe.Output.Complete();
        }
    }
}
