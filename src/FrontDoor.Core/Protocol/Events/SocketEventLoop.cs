using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using FrontDoor.Core.Protocol.Parking;

namespace FrontDoor.Core.Protocol.Events;

/// <summary>
/// An epoll set of FrontDoor's own and the thread that waits on it, for connection sockets on Linux. A socket
/// is watched edge-triggered from its first wait to its close (<see cref="SocketReadiness"/>). Per relayed
/// command and direction that is the wake, one <c>recv</c> and one <c>send</c>, as nginx does; .NET's own
/// socket engine takes a <c>recv</c> that fails, the wake, a <c>recv</c> that peeks and then the <c>recv</c>
/// that reads, through its operation queues (bench/README.md, "Connection sockets on FrontDoor's own epoll").
/// Continuations run on the loop's thread (inline mode) and must never block, as in .NET's own inline mode
/// (<see cref="InlineSocketCompletions"/>).
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class SocketEventLoop
{
    private const int MaxEvents = 256;

    private static readonly Lazy<SocketEventLoop[]> Loops = new(CreateLoops);
    private static int _next;

    private readonly Lock _lock = new();
    private readonly int _epoll;

    // Guarded by _lock. The token goes with every watch: an event fetched before its slot was freed and reused is ignored.
    private GenerationSlots<SocketReadiness> _slots = new(1024);

    private SocketEventLoop(int epoll, int index)
    {
        _epoll = epoll;
        var thread = new Thread(Run) { IsBackground = true, Name = $"FrontDoor sockets {index}" };
        thread.Start();
    }

    /// <summary>
    /// True when connection sockets wait here: on Linux with an epoll set, unless the operator set
    /// <c>FRONTDOOR_SOCKET_EVENTS=0</c> (deploy/README.md), which leaves every wait to .NET's engine.
    /// </summary>
    public static bool Enabled => Loops.Value.Length > 0;

    /// <summary>
    /// The loop for a new socket of no session yet (an accepted client, a health probe): each in turn, as .NET
    /// spreads its sockets over its engines. A backend connected for a session is not: it joins its client's
    /// loop (<see cref="ImapConnection.EventLoop"/>), so one thread relays the session both ways
    /// (bench/README.md, "One loop per session").
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
            var epoll = EpollInterop.CreateSet();
            if (epoll < 0)
            {
                break;
            }

            loops.Add(new SocketEventLoop(epoll, i));
        }

        return [.. loops];
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

    private void Run()
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * EpollInterop.EventSize));
        while (true)
        {
            var count = EpollInterop.Wait(_epoll, events, MaxEvents, -1);
            for (var i = 0; i < count; i++)
            {
                var token = EpollInterop.TokenAt(events, i);
                SocketReadiness? readiness;
                lock (_lock)
                {
                    _slots.TryGet(token, out readiness);
                }

                readiness?.OnEvents(EpollInterop.EventsAt(events, i));
            }
        }
    }
}
