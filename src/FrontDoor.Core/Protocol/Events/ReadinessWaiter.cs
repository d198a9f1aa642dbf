using System.Threading.Tasks.Sources;

namespace FrontDoor.Core.Protocol.Events;

/// <summary>
/// One wait of a <see cref="SocketReadiness"/>, completed by the event loop's thread, by a cancellation, or by
/// the socket's close. Reused wait after wait once its result is taken, so a wait allocates nothing; while it
/// is taken, a second waiter on the same direction gets one of its own.
/// </summary>
internal sealed class ReadinessWaiter : IValueTaskSource<int>
{
    private const int Free = 0;
    private const int Taking = 1;
    private const int Armed = 2;
    private const int Completed = 3;

    private ManualResetValueTaskSourceCore<int> _core;
    private CancellationTokenRegistration _cancellation;
    private CancellationToken _token;
    private int _state;

    public ReadinessWaiter(bool inline)
    {
        // Inline, the waiter's continuation runs on the event loop's thread, as .NET's socket continuations
        // do in FrontDoor's inline mode; otherwise on the thread pool.
        _core.RunContinuationsAsynchronously = !inline;
    }

    /// <summary>True while a wait is pending.</summary>
    public bool IsArmed => Volatile.Read(ref _state) == Armed;

    /// <summary>
    /// Starts a wait if this waiter is free. Armed with a full fence, so a signaller that set its flag before
    /// looking here, and a waiter that looks at that flag after this, cannot both miss each other.
    /// </summary>
    /// <param name="wait">Completes with 0 (nothing of use: the waiter finds out by trying), or fails when cancelled.</param>
    /// <returns>False when a wait still holds this waiter.</returns>
    public bool TryArm(CancellationToken cancellationToken, out ValueTask<int> wait)
    {
        if (Interlocked.CompareExchange(ref _state, Taking, Free) != Free)
        {
            wait = default;
            return false;
        }

        _core.Reset();
        _token = cancellationToken;

        // Registered before arming, so no signal can come between the two and leave the registration behind.
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static state => ((ReadinessWaiter)state!).Cancel(), this);
        }

        wait = new ValueTask<int>(this, _core.Version);
        Interlocked.Exchange(ref _state, Armed);
        if (cancellationToken.IsCancellationRequested)
        {
            Cancel();
        }

        return true;
    }

    /// <summary>Ends the pending wait, if any, as ready: the waiter then finds out what is there by trying.</summary>
    /// <returns>True when there was a wait to end (this call ended it).</returns>
    public bool TrySignal()
    {
        if (Interlocked.CompareExchange(ref _state, Completed, Armed) != Armed)
        {
            return false;
        }

        _cancellation.Unregister();
        _core.SetResult(0);
        return true;
    }

    private void Cancel()
    {
        if (Interlocked.CompareExchange(ref _state, Completed, Armed) == Armed)
        {
            _core.SetException(new OperationCanceledException(_token));
        }
    }

    public int GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _cancellation = default;
            Volatile.Write(ref _state, Free);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
