namespace FrontDoor.Core.Hosting;

/// <summary>
/// The connections the listeners have accepted and not yet closed: a count, and on stop a task that
/// completes when it reaches zero. A count rather than a set of session tasks, because each entry of such a
/// set (and the continuation that removed it) stayed in memory for as long as its session lived.
/// </summary>
internal sealed class OpenConnections
{
    private readonly TaskCompletionSource _allClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;
    private int _stopping;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Called by the accept loop before the connection's task starts, so a stop never misses it.</summary>
    public void Opened() => Interlocked.Increment(ref _count);

    public void Closed()
    {
        if (Interlocked.Decrement(ref _count) == 0 && Volatile.Read(ref _stopping) == 1)
        {
            _allClosed.TrySetResult();
        }
    }

    /// <summary>Completes when the last connection has closed; call once the listeners have stopped accepting.</summary>
    public Task AllClosedAsync()
    {
        // Interlocked on both sides: a Closed() racing with this either sees the flag or leaves a zero to see here.
        Interlocked.Exchange(ref _stopping, 1);
        if (Volatile.Read(ref _count) == 0)
        {
            _allClosed.TrySetResult();
        }

        return _allClosed.Task;
    }
}
