using System.Runtime.Versioning;

namespace FrontDoor.Core.Protocol.Events;

/// <summary>
/// Work of one kind handed to the socket loops in turn (<see cref="LoopQueue{T}"/>, one queue per loop): where
/// there are none (not Linux, <c>FRONTDOOR_SOCKET_EVENTS=0</c>), to the thread pool. An item that runs on a
/// loop finds it in <see cref="SocketEventLoop.Current"/>, and sockets it makes wait there, so the session it
/// starts stays on that loop's thread (bench/README.md, "One loop per session").
/// </summary>
/// <typeparam name="T">One item of work.</typeparam>
internal sealed class LoopWork<T>
{
    private readonly LoopQueue<T>[] _queues;
    private readonly Action<T> _run;
    private readonly Action<T, Exception> _failed;

    // Each kind of work takes the loops in a turn of its own. With one turn shared by every kind, a login
    // (its accept's hand-off, then its parked connection's wake) took two steps of it, so with two loops every
    // session that arrived alone woke on the same loop and stayed there, leaving the other loop the greetings.
    private int _next;

    /// <param name="run">Runs one item; must not block (it runs on a loop's thread).</param>
    /// <param name="failed">Told what <paramref name="run"/> threw; must not throw.</param>
    public LoopWork(Action<T> run, Action<T, Exception> failed)
        : this(OperatingSystem.IsLinux() && SocketEventLoop.Enabled ? SocketEventLoop.All : [], run, failed)
    {
    }

    /// <summary>Work for <paramref name="loops"/> (tests make loops of their own); none: the thread pool.</summary>
    internal LoopWork(IReadOnlyList<SocketEventLoop> loops, Action<T> run, Action<T, Exception> failed)
    {
        _run = run;
        _failed = failed;
        _queues = OperatingSystem.IsLinux() && loops.Count > 0 ? QueuePerLoop(loops, run, failed) : [];
    }

    [SupportedOSPlatform("linux")]
    private static LoopQueue<T>[] QueuePerLoop(IReadOnlyList<SocketEventLoop> loops, Action<T> run, Action<T, Exception> failed) =>
        [.. loops.Select(loop => new LoopQueue<T>(loop, run, failed))];

    /// <summary>Runs <paramref name="item"/> on the next loop in this work's turn (or the thread pool); never throws.</summary>
    public void Post(T item)
    {
        if (OperatingSystem.IsLinux() && _queues.Length > 0)
        {
            _queues[(int)((uint)Interlocked.Increment(ref _next) % (uint)_queues.Length)].Post(item);
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(RunOne, (this, item), preferLocal: false);
    }

    private static void RunOne((LoopWork<T> Work, T Item) posted)
    {
        try
        {
            posted.Work._run(posted.Item);
        }
#pragma warning disable CA1031 // As on a loop: the item's failure is told, not thrown into the thread pool.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            posted.Work._failed(posted.Item, ex);
        }
    }
}
