using System.Collections.Concurrent;

namespace FrontDoor.Core.Backends;

/// <summary>
/// A deadline for one step of a login (the pre-auth phase, the backend login): a token cancelled when the
/// time is over or when <c>linkedTo</c> is. The sources are pooled, with their timers, and reset after use
/// (<see cref="CancellationTokenSource.TryReset"/>), where a linked source and its timer were new for every
/// login (bench/README.md, garbage per login). A source that did fire is not reused.
/// </summary>
internal readonly struct PooledDeadline : IDisposable
{
    private const int MaxPooled = 1024;

    private static readonly ConcurrentQueue<CancellationTokenSource> Pool = new();
    private static int _pooled;

    private readonly CancellationTokenSource _source;
    private readonly CancellationTokenRegistration _link;

    private PooledDeadline(CancellationTokenSource source, CancellationTokenRegistration link)
    {
        _source = source;
        _link = link;
    }

    public CancellationToken Token => _source.Token;

    /// <summary>Starts a deadline <paramref name="after"/> from now (wall-clock, like <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>).</summary>
    public static PooledDeadline Start(TimeSpan after, CancellationToken linkedTo)
    {
        CancellationTokenSource? source = null;
        if (Pool.TryDequeue(out var pooled))
        {
            Interlocked.Decrement(ref _pooled);
            source = pooled;
        }

        source ??= new CancellationTokenSource();
        source.CancelAfter(after);
        var link = linkedTo.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), source);
        return new PooledDeadline(source, link);
    }

    /// <summary>Ends the deadline: the timer and the link stop, and the source goes back to the pool unless it fired.</summary>
    public void Dispose()
    {
        if (_source is null)
        {
            return;
        }

        // Waits for a link callback running now, so no late Cancel can reach the source once it is pooled.
        _link.Dispose();
        if (_source.TryReset())
        {
            if (Interlocked.Increment(ref _pooled) <= MaxPooled)
            {
                Pool.Enqueue(_source);
                return;
            }

            Interlocked.Decrement(ref _pooled);
        }

        _source.Dispose();
    }
}
