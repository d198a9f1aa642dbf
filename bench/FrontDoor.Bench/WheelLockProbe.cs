using System.Diagnostics;
using FrontDoor.Core.Sessions;

namespace FrontDoor.Bench;

/// <summary>
/// What a session coming or going waits for a <see cref="DeadlineWheel"/>'s lock: on a thread of its own,
/// it adds and removes an entry of its own over and over (as a relay does when it starts and ends) and keeps
/// the longest wait. While a tick holds the lock to collect what is due, this is how long logins and
/// logouts stall.
/// </summary>
internal sealed class WheelLockProbe : IDisposable
{
    private readonly DeadlineWheel _wheel;
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _longest;

    public WheelLockProbe(DeadlineWheel wheel)
    {
        _wheel = wheel;
        _thread = new Thread(Run) { IsBackground = true, Name = "wheel lock probe" };
        _thread.Start();
    }

    /// <summary>The longest add-and-remove so far.</summary>
    public TimeSpan Longest => TimeSpan.FromTicks(Interlocked.Read(ref _longest));

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }

    private void Run()
    {
        var entry = new Entry();
        while (!_stop)
        {
            var start = Stopwatch.GetTimestamp();
            _wheel.Add(entry);
            _wheel.Remove(entry);
            var ticks = Stopwatch.GetElapsedTime(start).Ticks;
            if (ticks > Interlocked.Read(ref _longest))
            {
                Interlocked.Exchange(ref _longest, ticks);
            }

            // Leave the cores to the sweeper and the sessions: about a thousand probes a second.
            Thread.Sleep(1);
        }
    }

    /// <summary>An entry that is never due (an hour out) and does nothing if it were.</summary>
    private sealed class Entry : IDeadlineEntry
    {
        public int WheelSlot { get; set; } = -1;

        public TimeSpan Remaining() => TimeSpan.FromHours(1);

        public void Expire()
        {
        }
    }
}
