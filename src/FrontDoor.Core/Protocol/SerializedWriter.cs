using System.IO.Pipelines;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// The client's output, shared by the backend-to-client pump and by answers FrontDoor writes itself
/// (rewriter replies, BYE): one writer at a time, each holding the lock for a whole response or batch.
/// </summary>
/// <remarks>
/// The lock is this object's own rather than a <see cref="SemaphoreSlim"/> (88 B per session, for a lock that is
/// almost never contended; bench/README.md, garbage per login): a free lock is taken with one compare-exchange
/// and given back with another. Only a writer that finds it held makes anything: a queue (once per writer) and
/// its own waiting task. Waiters are served first come, first served; a waiter cancelled before its turn is
/// skipped, and its wait ends with <see cref="OperationCanceledException"/>, as a semaphore's.
/// </remarks>
internal sealed class SerializedWriter
{
    private const int Free = 0;
    private const int Held = 1;
    private const int HeldWithWaiters = 2;

    private int _state;

    // Made by the first writer that had to wait; also the lock over the waiters and the move to and from
    // HeldWithWaiters (Free to Held and back without waiters is lock-free).
    private Queue<TaskCompletionSource<Lease>>? _waiters;

    public SerializedWriter(PipeWriter writer)
    {
        Writer = writer;
    }

    public PipeWriter Writer { get; private set; }

    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the writer was this caller's.</exception>
    public ValueTask<Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<Lease>(cancellationToken);
        }

        return Interlocked.CompareExchange(ref _state, Held, Free) == Free
            ? ValueTask.FromResult(new Lease(this))
            : WaitAsync(cancellationToken);
    }

    private async ValueTask<Lease> WaitAsync(CancellationToken cancellationToken)
    {
        var waiters = Volatile.Read(ref _waiters) ?? Interlocked.CompareExchange(ref _waiters, new(), null) ?? _waiters;
        TaskCompletionSource<Lease> turn;
        lock (waiters)
        {
            while (true)
            {
                var state = Volatile.Read(ref _state);
                if (state == Free && Interlocked.CompareExchange(ref _state, Held, Free) == Free)
                {
                    return new Lease(this);
                }

                // Held: marked as having waiters, so its release comes through the lock; unless it was
                // released meanwhile, then try again.
                if (state == HeldWithWaiters || (state == Held && Interlocked.CompareExchange(ref _state, HeldWithWaiters, Held) == Held))
                {
                    break;
                }
            }

            // Continued on the thread pool: a release must not run the next writer's code under its own call.
            turn = new TaskCompletionSource<Lease>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Enqueue(turn);
        }

        if (!cancellationToken.CanBeCanceled)
        {
            return await turn.Task.ConfigureAwait(false);
        }

        // A cancelled waiter stays queued until a release skips it: its task is completed already.
        using (cancellationToken.UnsafeRegister(static (state, token) => ((TaskCompletionSource<Lease>)state!).TrySetCanceled(token), turn))
        {
            return await turn.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Gives the writer to the next waiter that still waits, or frees it.</summary>
    /// <exception cref="InvalidOperationException">It was not held (a lease given back twice).</exception>
    private void Release()
    {
        var state = Interlocked.CompareExchange(ref _state, Free, Held);
        if (state == Held)
        {
            return;
        }

        if (state != HeldWithWaiters)
        {
            throw new InvalidOperationException("the client's writer was released without being held");
        }

        // HeldWithWaiters is only ever set with the waiters' queue made and under its lock.
        var waiters = _waiters!;
        while (true)
        {
            TaskCompletionSource<Lease>? next;
            var lease = new Lease(this);
            lock (waiters)
            {
                if (!waiters.TryDequeue(out next))
                {
                    Volatile.Write(ref _state, Free);
                    return;
                }

                // Held on the next one's behalf; still marked for the waiters after it.
                Volatile.Write(ref _state, waiters.Count > 0 ? HeldWithWaiters : Held);
            }

            // Outside the lock; a waiter cancelled meanwhile does not take it, and the next one is tried.
            if (next.TrySetResult(lease))
            {
                return;
            }

            lock (waiters)
            {
                // Back to marked, so the loop's next pass (and no fast release) decides.
                Volatile.Write(ref _state, HeldWithWaiters);
            }
        }
    }

    /// <summary>Holds the writer; disposing releases it.</summary>
    internal readonly struct Lease : IDisposable
    {
        private readonly SerializedWriter _owner;

        public Lease(SerializedWriter owner)
        {
            _owner = owner;
        }

        public PipeWriter Writer => _owner.Writer;

        /// <summary>From now on the client's output is <paramref name="writer"/> (new pipes under COMPRESS).</summary>
        public void Replace(PipeWriter writer) => _owner.Writer = writer;

        public void Dispose() => _owner.Release();
    }
}
