using System.Threading.Tasks.Sources;

namespace FrontDoor.Core.Protocol.Events;

/// <summary>
/// One direction's wait of a <see cref="SocketReadiness"/>: at most one waiter at a time (a connection has one
/// reader and one writer), completed by the event loop's thread, by a cancellation, or by the socket's close.
/// Reused for every wait, so a wait allocates nothing.
/// </summary>
internal sealed class ReadinessWaiter : IValueTaskSource<int>
{
    private ManualResetValueTaskSourceCore<bool> _core;
    private CancellationTokenRegistration _cancellation;
    private CancellationToken _token;

    // 1 while a wait is pending: whoever sets it back to 0 first completes it, the others do nothing.
    private int _armed;

    public ReadinessWaiter(bool inline)
    {
        // Inline, the waiter's continuation runs on the event loop's thread, as .NET's socket continuations
        // do in FrontDoor's inline mode; otherwise on the thread pool.
        _core.RunContinuationsAsynchronously = !inline;
    }

    /// <summary>Starts a wait; the caller then asks the loop to watch for it.</summary>
    /// <returns>Completes with 0 (nothing of use: the waiter finds out by trying), or fails when cancelled.</returns>
    public ValueTask<int> Prepare(CancellationToken cancellationToken)
    {
        _core.Reset();
        _token = cancellationToken;
        Volatile.Write(ref _armed, 1);
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static state => ((ReadinessWaiter)state!).Cancel(), this);
        }

        return new ValueTask<int>(this, _core.Version);
    }

    /// <summary>Ends the pending wait, if any, as ready: the waiter then finds out what is there by trying.</summary>
    public void Signal()
    {
        if (Interlocked.Exchange(ref _armed, 0) == 1)
        {
            _cancellation.Unregister();
            _core.SetResult(true);
        }
    }

    private void Cancel()
    {
        if (Interlocked.Exchange(ref _armed, 0) == 1)
        {
            _core.SetException(new OperationCanceledException(_token));
        }
    }

    public int GetResult(short token)
    {
        _cancellation = default;
        _core.GetResult(token);
        return 0;
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
