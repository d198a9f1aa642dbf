using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace FrontDoor.Core.Protocol;

internal abstract partial class ImapConnection
{
    /// <summary>
    /// The connection's input: a <see cref="PipeReader"/> over the stream that holds nothing once everything
    /// read was consumed. Unlike <see cref="StreamPipeReader"/> it keeps no segments, segment stack or token
    /// source of its own (about 700 B of garbage per login for the two connections, and about 1 KB less RSS per
    /// idle logged-in session; bench/README.md, "Own input reader"): the
    /// unconsumed octets are one block rented from the shared pool, given back as soon as they are all
    /// consumed, and a pending read is cancelled by a flag and the connection's own stop
    /// (<see cref="StopWaiting"/>), not by a token.
    /// </summary>
    /// <remarks>
    /// One block, not a chain of segments: every reader consumes as it goes (a literal's octets are written
    /// on as they come), so what stays unconsumed is at most a line, bounded by the framer's line limit;
    /// when a line outgrows the block's free end it is moved to the block's start, or into a block twice as
    /// large. A single-segment buffer is also the cheapest for <see cref="SequenceReader{T}"/>. As with any
    /// <see cref="PipeReader"/>, one reader at a time; <see cref="CancelPendingRead"/> and
    /// <see cref="Complete"/> may come from another thread.
    /// </remarks>
    internal sealed class InputReader(ImapConnection owner, Stream stream) : PipeReader
    {
        // As StreamPipeReader's minimum read size: a read into less free room than this takes a new block.
        internal const int MinimumReadSize = 2048;

        private const int Reading = 1;
        private const int Completed = 2;

        private byte[]? _block;
        private int _start;
        private int _end;
        private bool _examinedEverything;
        private bool _streamEnded;
        private int _cancelRequested;

        // Reading and Completed: a block a read is filling goes back to the pool when that read ends, not
        // while the stream may still write into it.
        private int _state;

        /// <summary>The octets held now (read, not consumed): none when idle.</summary>
        internal int Buffered => _end - _start;

        /// <summary>The size of the block held now; 0 when none.</summary>
        internal int BlockSize => _block?.Length ?? 0;

        public override bool TryRead(out ReadResult result)
        {
            ThrowIfCompleted();
            if (Volatile.Read(ref _cancelRequested) != 0 && Interlocked.Exchange(ref _cancelRequested, 0) != 0)
            {
                result = new ReadResult(Current, isCanceled: true, _streamEnded);
                return true;
            }

            if (_end > _start && (!_examinedEverything || _streamEnded))
            {
                result = new ReadResult(Current, isCanceled: false, _streamEnded);
                return true;
            }

            result = default;
            return false;
        }

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            if (TryRead(out var ready))
            {
                return ValueTask.FromResult(ready);
            }

            if (_streamEnded)
            {
                return ValueTask.FromResult(new ReadResult(Current, isCanceled: false, isCompleted: true));
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<ReadResult>(cancellationToken);
            }

            Enter();
            if (Volatile.Read(ref _cancelRequested) != 0)
            {
                // Cancelled between the look above and Enter, which the canceller could not see.
                return ValueTask.FromResult(EndRead(0, failure: null));
            }

            ValueTask<int> read;
            try
            {
                // Idle: wait without a block (a zero-byte read), then take one only for the octets that came.
                if (_end == _start)
                {
                    var wait = stream.ReadAsync(Memory<byte>.Empty, cancellationToken);
                    if (!wait.IsCompletedSuccessfully)
                    {
                        return ReadAfterWaitAsync(wait, cancellationToken);
                    }

                    wait.GetAwaiter().GetResult();
                }

                read = StartRead(cancellationToken);
            }
            catch (Exception ex)
            {
                return ValueTask.FromResult(EndRead(0, ex));
            }

            return read.IsCompletedSuccessfully
                ? ValueTask.FromResult(EndRead(read.Result, failure: null))
                : FinishReadAsync(read);
        }

        /// <summary>Ends a pending read at once with <see cref="ReadResult.IsCanceled"/>, or the next one; from any thread.</summary>
        public override void CancelPendingRead()
        {
            // Exchange, then read the state: a fence between, as Enter sets the state and then reads the flag.
            Interlocked.Exchange(ref _cancelRequested, 1);
            if ((Volatile.Read(ref _state) & Reading) != 0)
            {
                // The stream's read waits for the peer: the connection's stop ends it (no more bytes are read
                // from a connection whose reader was stopped).
                owner.StopWaiting();
            }
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            ThrowIfCompleted();
            var consumedAt = IndexOf(consumed);
            var examinedAt = IndexOf(examined);
            if (consumedAt > examinedAt)
            {
                throw new InvalidOperationException("The examined position cannot be less than the consumed position.");
            }

            _examinedEverything = examinedAt == _end;
            _start = consumedAt;
            if (_start == _end)
            {
                // Everything consumed: an idle reader holds nothing.
                ReturnBlock();
            }
        }

        public override void Complete(Exception? exception = null)
        {
            var before = Interlocked.Or(ref _state, Completed);
            if ((before & (Completed | Reading)) == 0)
            {
                ReturnBlock();
            }
        }

        /// <summary>The unconsumed octets, one segment.</summary>
        private ReadOnlySequence<byte> Current =>
            _block is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_block, _start, _end - _start);

        /// <summary>The index in the block of a position of <see cref="Current"/>.</summary>
        private int IndexOf(SequencePosition position)
        {
            if (_block is null)
            {
                // Nothing held: the last read's buffer was empty, and any position of it is its end.
                return _end;
            }

            var block = position.GetObject();

            var index = position.GetInteger() & int.MaxValue;
            if (!ReferenceEquals(block, _block) || index < _start || index > _end)
            {
                throw new InvalidOperationException("The position is not in the last read's buffer.");
            }

            return index;
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<ReadResult> ReadAfterWaitAsync(ValueTask<int> wait, CancellationToken cancellationToken)
        {
            int received;
            try
            {
                await wait.ConfigureAwait(false);
                if (Volatile.Read(ref _cancelRequested) != 0)
                {
                    return EndRead(0, failure: null);
                }

                received = await StartRead(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                return EndRead(0, ex);
            }

            return EndRead(received, failure: null);
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<ReadResult> FinishReadAsync(ValueTask<int> read)
        {
            int received;
            try
            {
                received = await read.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                return EndRead(0, ex);
            }

            return EndRead(received, failure: null);
        }

        /// <summary>Makes room for at least <see cref="MinimumReadSize"/> octets after the unconsumed ones and reads into it; inside <see cref="Enter"/>.</summary>
        private ValueTask<int> StartRead(CancellationToken cancellationToken)
        {
            MakeRoom();
            return stream.ReadAsync(_block.AsMemory(_end), cancellationToken);
        }

        /// <summary>Ends a read started by <see cref="StartRead"/> (or a wait, with 0): a cancelled one reports so, whatever the stream did.</summary>
        private ReadResult EndRead(int received, Exception? failure)
        {
            // One compare-exchange: Completed is the only other flag that can be set meanwhile.
            if (Interlocked.CompareExchange(ref _state, 0, Reading) != Reading)
            {
                // Completed while the stream wrote into the block: the block is this read's to give back.
                Volatile.Write(ref _state, Completed);
                ReturnBlock();
                throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
            }

            _end += received;
            if (failure is null or IOException or ObjectDisposedException or OperationCanceledException
                && Volatile.Read(ref _cancelRequested) != 0 && Interlocked.Exchange(ref _cancelRequested, 0) != 0)
            {
                // The stop ended the stream's read (nothing, the end, or a read that failed on the shut socket):
                // the reader says cancelled, and keeps what arrived for whoever reads next.
                DropEmptyBlock();
                return new ReadResult(Current, isCanceled: true, isCompleted: false);
            }

            if (failure is not null)
            {
                DropEmptyBlock();
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }

            _examinedEverything = false;
            if (received == 0)
            {
                _streamEnded = true;
                DropEmptyBlock();
            }

            return new ReadResult(Current, isCanceled: false, _streamEnded);
        }

        private void Enter()
        {
            // Nothing else is set unless the reader was completed, or another read runs (one at a time, as for any PipeReader).
            if (Interlocked.CompareExchange(ref _state, Reading, 0) != 0)
            {
                throw new InvalidOperationException("Reading is not allowed after the reader was completed, or while another read runs.");
            }
        }

        private void MakeRoom()
        {
            if (_block is null)
            {
                _block = RelayBlocks.Rent(BufferSize);
                (_start, _end) = (0, 0);
                return;
            }

            if (_block.Length - _end >= MinimumReadSize)
            {
                return;
            }

            var held = _end - _start;
            if (held <= _block.Length / 2)
            {
                // A line that fills less than half the block, at its end: moved to its start.
                _block.AsSpan(_start, held).CopyTo(_block);
            }
            else
            {
                // A line longer than half the block (bounded by the framer's line limit): a block twice as large.
                var larger = RelayBlocks.Rent(Math.Max(_block.Length * 2, held + MinimumReadSize));
                _block.AsSpan(_start, held).CopyTo(larger);
                RelayBlocks.Return(_block);
                _block = larger;
            }

            (_start, _end) = (0, held);
        }

        private void DropEmptyBlock()
        {
            if (_end == _start)
            {
                ReturnBlock();
            }
        }

        private void ReturnBlock()
        {
            // Taken with an exchange: a Complete from another thread and the reader's own last consume may
            // both get here, and a block given back twice would be two later renters' at once.
            if (Interlocked.Exchange(ref _block, null) is { } block)
            {
                RelayBlocks.Return(block);
            }

            (_start, _end) = (0, 0);
        }

        private void ThrowIfCompleted()
        {
            if ((Volatile.Read(ref _state) & Completed) != 0)
            {
                throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
            }
        }
    }
}
