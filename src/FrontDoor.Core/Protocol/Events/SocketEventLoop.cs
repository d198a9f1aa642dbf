using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace FrontDoor.Core.Protocol.Events;

/// <summary>
/// An epoll set of FrontDoor's own and the thread that waits on it, for connection sockets on Linux. A socket
/// is watched edge-triggered from its first wait to its close (<see cref="SocketReadiness"/>). Per relayed
/// command and direction that is the wake, one <c>recv</c> and one <c>send</c>, as nginx does; .NET's own
/// socket engine takes a <c>recv</c> that fails, the wake, a <c>recv</c> that peeks and then the <c>recv</c>
/// that reads, through its operation queues (bench/README.md, "Connection sockets on FrontDoor's own epoll").
/// Continuations run on the loop's thread (inline mode) and must never block, as in .NET's own inline mode
/// (<see cref="InlineSocketCompletions"/>). Work can be posted to a loop (<see cref="LoopQueue{T}"/>), so a
/// connection's start and a parked connection's wake run on the thread its session then stays on, not on the
/// thread pool (bench/README.md, "A login's work on the socket loops"). Parked silent connections wait in the
/// same set as guests (<see cref="ILoopGuest"/>), so a client's first command wakes the thread its session
/// then runs on, with no hand-off (bench/README.md, "Parked connections on the socket loops").
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class SocketEventLoop
{
    private const int MaxEvents = 256;
    private const int TickMilliseconds = 1000;

    // Marks a guest's token: a GenerationSlots token's slot half never reaches 2^31.
    private const ulong GuestFlag = 1UL << 31;

    [ThreadStatic]
    private static SocketEventLoop? _current;

    private static readonly Lazy<SocketEventLoop[]> Loops = new(CreateLoops);
    private static int _next;

    private readonly Lock _lock = new();
    private readonly int _epoll;
    private readonly int _wakeEvent;
    private readonly Thread _thread;

    // Guarded by _lock. The token goes with every watch: an event fetched before its slot was freed and reused is ignored.
    private GenerationSlots<SocketReadiness> _slots = new(1024);
    private GenerationSlots<(ILoopGuest Guest, ulong Key)> _guests = new(64);

    // Replaced whole under _lock, read without it: the loop's thread looks at it every turn.
    private volatile ILoopGuest[] _tickers = [];
    private long _lastTick;

    // Queues with posted work, in the order they asked (LoopQueue.Schedule), and whether the wake event has
    // been written since the loop last looked: one write wakes the loop for any number of posts.
    private readonly Queue<IThreadPoolWorkItem> _scheduled = new();
    private readonly Lock _scheduleLock = new();
    private int _signalled;
    private bool _stopped;

    // Relay blocks kept for this loop's connections (RelayBlocks): touched by the loop's thread only.
    private byte[]? _block0;
    private byte[]? _block1;

    private SocketEventLoop(int epoll, int wakeEvent, string name)
    {
        _epoll = epoll;
        _wakeEvent = wakeEvent;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The loop whose thread this is; null on any other thread.</summary>
    public static SocketEventLoop? Current => _current;

    /// <summary>Every loop (none where <see cref="Enabled"/> is false).</summary>
    public static IReadOnlyList<SocketEventLoop> All => Loops.Value;

    /// <summary>
    /// True when connection sockets wait here: on Linux with an epoll set, unless the operator set
    /// <c>FRONTDOOR_SOCKET_EVENTS=0</c> (deploy/README.md), which leaves every wait to .NET's engine.
    /// </summary>
    public static bool Enabled => Loops.Value.Length > 0;

    /// <summary>
    /// The loop for a new socket of no session yet made off the loops (a health probe): each in turn, as .NET
    /// spreads its sockets over its engines. Posted work takes the loops in a turn of its own
    /// (<see cref="LoopWork{T}"/>). A backend connected for a
    /// session is not: it joins its client's loop (<see cref="ImapConnection.EventLoop"/>), so one thread
    /// relays the session both ways (bench/README.md, "One loop per session"); nor is a socket made on a
    /// loop's thread (<see cref="Current"/>).
    /// </summary>
    public static SocketEventLoop Next()
    {
        var loops = Loops.Value;
        return loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)loops.Length)];
    }

    /// <summary>Continuations run on the loop's thread, as .NET's do in inline mode (FrontDoor's default).</summary>
    public static bool Inline { get; } = InlineSocketCompletions.Enabled;

    private static SocketEventLoop[] CreateLoops()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("FRONTDOOR_SOCKET_EVENTS") == "0")
        {
            return [];
        }

        var loops = new List<SocketEventLoop>();
        for (var i = 0; i < Environment.ProcessorCount; i++)
        {
            if (TryCreate(i) is not { } loop)
            {
                break;
            }

            loops.Add(loop);
        }

        return [.. loops];
    }

    /// <summary>A loop of its own (tests make one to stop it); null when the system gives no epoll set or event.</summary>
    internal static SocketEventLoop? TryCreate(int index) => TryCreate($"FrontDoor sockets {index}");

    /// <summary>A loop of its own whose thread is called <paramref name="name"/>: the parking's, where connection sockets do not use loops.</summary>
    internal static SocketEventLoop? TryCreate(string name)
    {
        if (!EpollInterop.TryCreateSetWithWakeEvent(out var epoll, out var wakeEvent))
        {
            return null;
        }

        return new SocketEventLoop(epoll, wakeEvent, name);
    }

    /// <summary>
    /// Has the loop's thread run <paramref name="queue"/>'s <see cref="IThreadPoolWorkItem.Execute"/> soon, after
    /// the events it is handling now. Once the loop has stopped, the thread pool runs it instead, so nothing
    /// posted is lost.
    /// </summary>
    public void Schedule(IThreadPoolWorkItem queue)
    {
        lock (_scheduleLock)
        {
            if (!_stopped)
            {
                _scheduled.Enqueue(queue);

                // Under the lock, so no signal can reach the event after Stop has closed it.
                if (Interlocked.Exchange(ref _signalled, 1) == 0)
                {
                    EpollInterop.Signal(_wakeEvent);
                }

                return;
            }
        }

        ThreadPool.UnsafeQueueUserWorkItem(queue, preferLocal: false);
    }

    /// <summary>
    /// Ends the loop's thread once its current work is done, and closes its epoll set: for a loop of its own
    /// (<see cref="TryCreate"/>) with no sockets left; the process's loops run for its life. Work scheduled and
    /// not yet run, and any scheduled later, goes to the thread pool, so none is lost.
    /// </summary>
    internal void Stop()
    {
        lock (_scheduleLock)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
        }

        EpollInterop.Signal(_wakeEvent);
        _thread.Join();
        EpollInterop.Close(_wakeEvent);
        EpollInterop.Close(_epoll);
    }

    /// <summary>True once <see cref="Stop"/> has begun.</summary>
    internal bool Stopping
    {
        get
        {
            lock (_scheduleLock)
            {
                return _stopped;
            }
        }
    }

    /// <summary>A relay block this loop keeps, or null; on the loop's thread only (<see cref="Current"/>).</summary>
    public byte[]? TakeBlock()
    {
        var block = _block0;
        if (block is not null)
        {
            _block0 = null;
            return block;
        }

        block = _block1;
        _block1 = null;
        return block;
    }

    /// <summary>Keeps <paramref name="block"/> for the loop's next <see cref="TakeBlock"/>; false when two are kept already. On the loop's thread only.</summary>
    public bool KeepBlock(byte[] block)
    {
        if (_block0 is null)
        {
            _block0 = block;
            return true;
        }

        if (_block1 is null)
        {
            _block1 = block;
            return true;
        }

        return false;
    }

    /// <summary>Takes a slot for <paramref name="readiness"/>; its token goes with every watch.</summary>
    public ulong Enlist(SocketReadiness readiness)
    {
        lock (_lock)
        {
            return _slots.Add(readiness);
        }
    }

    /// <summary>Watches <paramref name="descriptor"/> for <paramref name="events"/> until <see cref="Delist"/>.</summary>
    /// <returns>0, or the errno.</returns>
    public int Watch(int descriptor, uint events, ulong token) => EpollInterop.Add(_epoll, descriptor, events, token);

    /// <summary>Stops watching <paramref name="descriptor"/> (before it is closed: descriptor numbers are reused at once) and frees the slot.</summary>
    public void Delist(int descriptor, ulong token, bool added)
    {
        if (added)
        {
            EpollInterop.Remove(_epoll, descriptor);
        }

        lock (_lock)
        {
            _slots.TryRemove(token, out _);
        }
    }

    /// <summary>
    /// Takes a slot for a one-shot watch of <paramref name="guest"/>'s: the token to give <see cref="Watch"/>
    /// (with <see cref="EpollInterop.OneShot"/>). Its first event frees the slot and reaches
    /// <see cref="ILoopGuest.OnEvent"/> with <paramref name="key"/>; before that, <see cref="DelistGuest"/> ends it.
    /// </summary>
    public ulong EnlistGuest(ILoopGuest guest, ulong key)
    {
        lock (_lock)
        {
            return _guests.Add((guest, key)) | GuestFlag;
        }
    }

    /// <summary>Ends a guest's watch that has not fired (or may be firing: then its event finds nothing).</summary>
    public void DelistGuest(int descriptor, ulong token)
    {
        EpollInterop.Remove(_epoll, descriptor);
        lock (_lock)
        {
            _guests.TryRemove(token & ~GuestFlag, out _);
        }
    }

    /// <summary>Stops watching a guest's descriptor whose event came (one-shot watches stay in the set, disarmed, until removed).</summary>
    public void Unwatch(int descriptor) => EpollInterop.Remove(_epoll, descriptor);

    /// <summary>Has the loop call <paramref name="guest"/>'s <see cref="ILoopGuest.Tick"/> about once a second, until <see cref="RemoveTicker"/>.</summary>
    public void AddTicker(ILoopGuest guest)
    {
        lock (_lock)
        {
            _tickers = [.. _tickers, guest];
        }

        // A loop asleep with no timeout learns of its first ticker.
        EpollInterop.Signal(_wakeEvent);
    }

    public void RemoveTicker(ILoopGuest guest)
    {
        lock (_lock)
        {
            _tickers = [.. _tickers.Where(t => t != guest)];
        }
    }

    /// <summary>How many guests tick on this loop (for tests).</summary>
    internal int TickerCount => _tickers.Length;

    private void Run()
    {
        _current = this;
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * EpollInterop.EventSize));
        try
        {
            while (true)
            {
                var count = EpollInterop.Wait(_epoll, events, MaxEvents, _tickers.Length > 0 ? TickMilliseconds : -1);
                var posted = false;
                for (var i = 0; i < count; i++)
                {
                    var token = EpollInterop.TokenAt(events, i);
                    if (token == EpollInterop.WakeToken)
                    {
                        EpollInterop.ClearSignal(_wakeEvent);
                        posted = true;
                        continue;
                    }

                    if ((token & GuestFlag) != 0)
                    {
                        OnGuestEvent(token & ~GuestFlag);
                        continue;
                    }

                    SocketReadiness? readiness;
                    lock (_lock)
                    {
                        _slots.TryGet(token, out readiness);
                    }

                    readiness?.OnEvents(EpollInterop.EventsAt(events, i));
                }

                if (posted && !RunScheduled())
                {
                    return;
                }

                if (_tickers.Length > 0)
                {
                    TickIfDue();
                }
            }
        }
        finally
        {
            NativeMemory.Free(events);
            _current = null;
        }
    }

    private void OnGuestEvent(ulong token)
    {
        (ILoopGuest Guest, ulong Key) entry;
        lock (_lock)
        {
            if (!_guests.TryRemove(token, out entry))
            {
                return;
            }
        }

        entry.Guest.OnEvent(entry.Key);
    }

    private void TickIfDue()
    {
        var now = Environment.TickCount64;
        if (now - _lastTick < TickMilliseconds)
        {
            return;
        }

        _lastTick = now;
        foreach (var ticker in _tickers)
        {
            ticker.Tick();
        }
    }

    /// <summary>Runs the queues scheduled so far (one scheduled meanwhile waits for the next round); false once stopped.</summary>
    private bool RunScheduled()
    {
        // Cleared before the queues are taken: a schedule after this writes the event again.
        Interlocked.Exchange(ref _signalled, 0);
        int count;
        lock (_scheduleLock)
        {
            if (_stopped)
            {
                foreach (var left in _scheduled)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(left, preferLocal: false);
                }

                _scheduled.Clear();
                return false;
            }

            count = _scheduled.Count;
        }

        for (; count > 0; count--)
        {
            IThreadPoolWorkItem queue;
            lock (_scheduleLock)
            {
                queue = _scheduled.Dequeue();
            }

            // A queue catches what its items throw (LoopQueue.Execute), so the loop goes on.
            queue.Execute();
        }

        return true;
    }
}
