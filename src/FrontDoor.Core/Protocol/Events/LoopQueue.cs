using System.Collections.Concurrent;
using System.Runtime.Versioning;

namespace FrontDoor.Core.Protocol.Events;

/// <summary>
/// Work of one kind posted to one <see cref="SocketEventLoop"/>: each item is a value (a connection, a parked
/// connection's wake) kept in a queue, so posting allocates nothing, and the loop's thread runs
/// <c>run</c> over the items in the order they were posted. Posting wakes the loop once for any number of items
/// (the loop's wake event), where a thread-pool work item woke a worker and its spinning for each
/// (bench/README.md, "A login's work on the socket loops"). Items run after the events the loop is handling,
/// never inside a post, so a post from the loop's own thread waits for its turn.
/// </summary>
/// <remarks>
/// <c>run</c> must not block: the loop's other sockets wait meanwhile. What it throws goes to <c>failed</c>
/// (which must not throw), and the loop goes on. Once the loop has stopped, the thread pool runs the items
/// (from then on in no promised order: the loop's last turn and the thread pool may overlap).
/// </remarks>
/// <typeparam name="T">One item of work.</typeparam>
[SupportedOSPlatform("linux")]
internal sealed class LoopQueue<T> : IThreadPoolWorkItem
{
    // A turn's most: a queue posted to faster than it runs must not keep the loop from its sockets.
    private const int MaxPerTurn = 256;

    private readonly ConcurrentQueue<T> _items = new();
    private readonly SocketEventLoop _loop;
    private readonly Action<T> _run;
    private readonly Action<T, Exception> _failed;

    // 1 from a post that found it 0 until the turn that runs the items: one schedule per turn.
    private int _scheduled;

    public LoopQueue(SocketEventLoop loop, Action<T> run, Action<T, Exception> failed)
    {
        _loop = loop;
        _run = run;
        _failed = failed;
    }

    /// <summary>Has the loop's thread run <paramref name="item"/> after the items posted before it.</summary>
    public void Post(T item)
    {
        _items.Enqueue(item);
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            _loop.Schedule(this);
        }
    }

    /// <summary>One turn: the items there now (up to a turn's most), each in order.</summary>
    public void Execute()
    {
        // Cleared before the items are taken: an item posted after this schedules the queue again.
        Interlocked.Exchange(ref _scheduled, 0);
        for (var n = 0; n < MaxPerTurn && _items.TryDequeue(out var item); n++)
        {
            try
            {
                _run(item);
            }
#pragma warning disable CA1031 // One item's failure is its own; the loop carries on with the others.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _failed(item, ex);
            }
        }

        if (!_items.IsEmpty && Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            _loop.Schedule(this);
        }
    }
}
