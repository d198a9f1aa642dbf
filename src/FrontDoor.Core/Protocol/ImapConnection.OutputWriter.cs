using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace FrontDoor.Core.Protocol;

internal abstract partial class ImapConnection
{
    /// <summary>
    /// The connection's output: a <see cref="PipeWriter"/> over the stream that holds nothing between flushes.
    /// Written octets go into blocks rented from the shared pool and go back at each flush, as with
    /// <see cref="StreamPipeWriter"/>; unlike it, an idle writer keeps no pooled segments, segment stack or
    /// token source of its own (about 370 B per direction, so 740 B per logged-in session; bench/README.md).
    /// One writer at a time (<see cref="SerializedWriter"/>), as for any <see cref="PipeWriter"/>.
    /// </summary>
    private sealed class OutputWriter(Stream stream) : PipeWriter
    {
        private byte[]? _current;
        private int _currentLength;

        // Blocks filled before the current one, oldest first: only a batch larger than one block makes them.
        private (byte[] Block, int Length)[]? _filled;
        private int _filledCount;
        private bool _completed;
        private volatile bool _flushCanceled;

        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes
        {
            get
            {
                long total = _currentLength;
                for (var i = 0; i < _filledCount; i++)
                {
                    total += _filled![i].Length;
                }

                return total;
            }
        }

        public override void Advance(int bytes)
        {
            if (bytes < 0 || (_current is null ? bytes > 0 : _currentLength + bytes > _current.Length))
            {
                throw new ArgumentOutOfRangeException(nameof(bytes), "more octets than the buffer given out");
            }

            _currentLength += bytes;
        }

        public override Memory<byte> GetMemory(int sizeHint = 0)
        {
            MakeRoom(sizeHint);
            return _current.AsMemory(_currentLength);
        }

        public override Span<byte> GetSpan(int sizeHint = 0)
        {
            MakeRoom(sizeHint);
            return _current.AsSpan(_currentLength);
        }

        /// <summary>Ends the next flush at once with <see cref="FlushResult.IsCanceled"/>; a write already on the socket is not stopped.</summary>
        public override void CancelPendingFlush() => _flushCanceled = true;

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            if (_completed)
            {
                throw new InvalidOperationException("Flushing is not allowed after the writer was completed.");
            }

            if (_flushCanceled)
            {
                _flushCanceled = false;
                return ValueTask.FromResult(new FlushResult(isCanceled: true, isCompleted: false));
            }

            // TLS and COMPRESS layers buffer, and are flushed after the writes (DEFLATE's sync flush, RFC 4978
            // section 4): that is done asynchronously. The socket itself needs no flush.
            if (stream is not SocketStream)
            {
                return FlushRestAsync(ValueTask.CompletedTask, 0, cancellationToken);
            }

            // Each block is written in turn; the first write that has to wait goes on asynchronously.
            for (var i = 0; i < _filledCount; i++)
            {
                var (block, length) = _filled![i];
                var write = stream.WriteAsync(block.AsMemory(0, length), cancellationToken);
                if (!write.IsCompletedSuccessfully)
                {
                    return FlushRestAsync(write, i + 1, cancellationToken);
                }

                write.GetAwaiter().GetResult();
            }

            if (_currentLength > 0)
            {
                var write = stream.WriteAsync(_current.AsMemory(0, _currentLength), cancellationToken);
                if (!write.IsCompletedSuccessfully)
                {
                    return FlushRestAsync(write, _filledCount + 1, cancellationToken);
                }

                write.GetAwaiter().GetResult();
            }

            ReturnBlocks();
            return ValueTask.FromResult(default(FlushResult));
        }

        public override void Complete(Exception? exception = null)
        {
            _completed = true;
            ReturnBlocks();
        }

        public override async ValueTask CompleteAsync(Exception? exception = null)
        {
            if (_completed)
            {
                return;
            }

            // As StreamPipeWriter does: what was written and not flushed still goes, unless the writer failed.
            // A connection that broke meanwhile has nobody left to tell.
            try
            {
                if (exception is null && UnflushedBytes > 0)
                {
                    await FlushAsync().ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // Completing stays quiet, as closing the socket would.
            }
            finally
            {
                Complete(exception);
            }
        }

        /// <summary>Finishes a flush whose write <paramref name="pending"/> had to wait; <paramref name="next"/> counts the filled blocks, then the current one.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<FlushResult> FlushRestAsync(ValueTask pending, int next, CancellationToken cancellationToken)
        {
            await pending.ConfigureAwait(false);
            for (var i = next; i < _filledCount; i++)
            {
                var (block, length) = _filled![i];
                await stream.WriteAsync(block.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }

            if (next <= _filledCount && _currentLength > 0)
            {
                await stream.WriteAsync(_current.AsMemory(0, _currentLength), cancellationToken).ConfigureAwait(false);
            }

            if (stream is not SocketStream)
            {
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            ReturnBlocks();
            return default;
        }

        private void MakeRoom(int sizeHint)
        {
            if (_completed)
            {
                throw new InvalidOperationException("Writing is not allowed after the writer was completed.");
            }

            var needed = Math.Max(sizeHint, 1);
            if (_current is null)
            {
                _current = RelayBlocks.Rent(needed);
                return;
            }

            if (_current.Length - _currentLength >= needed)
            {
                return;
            }

            if (_currentLength > 0)
            {
                _filled ??= new (byte[], int)[4];
                if (_filledCount == _filled.Length)
                {
                    Array.Resize(ref _filled, _filled.Length * 2);
                }

                _filled[_filledCount++] = (_current, _currentLength);
            }
            else
            {
                RelayBlocks.Return(_current);
            }

            _current = RelayBlocks.Rent(needed);
            _currentLength = 0;
        }

        private void ReturnBlocks()
        {
            for (var i = 0; i < _filledCount; i++)
            {
                RelayBlocks.Return(_filled![i].Block);
                _filled[i] = default;
            }

            _filledCount = 0;
            if (_current is not null)
            {
                RelayBlocks.Return(_current);
                _current = null;
                _currentLength = 0;
            }
        }
    }
}
