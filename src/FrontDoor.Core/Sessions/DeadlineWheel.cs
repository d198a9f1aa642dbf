namespace FrontDoor.Core.Sessions;

/// <summary>Something a <see cref="DeadlineWheel"/> watches: how long it has left, and what to do when that is over.</summary>
internal interface IDeadlineEntry
{
    /// <summary>The wheel's slot the entry waits in (-1: none); read and written by the wheel under its lock.</summary>
    int WheelSlot { get; set; }

    /// <summary>Time left; zero or less is expired. Asked again when the entry's slot comes due, so a deadline may move later.</summary>
    TimeSpan Remaining();

    /// <summary>Called once, on the wheel's timer thread, outside its lock.</summary>
    void Expire();
}

/// <summary>
/// One timer for many deadlines, instead of a timer each (a timer, its callback and closure are about 220
/// bytes per entry). Entries sit in one-second slots by the second their deadline falls in; each tick looks
/// only at the slots that have come due, not at every entry. An entry whose deadline has moved (a session
/// active since) is put back in the slot of its new deadline, so at 100,000 entries a tick touches the few
/// that are due instead of taking one lock over all of them.
/// </summary>
internal class DeadlineWheel : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    // A power of two; a deadline further out than one turn is looked at early and put back.
    private const int SlotCount = 4096;
    private const int NotWatched = -1;

    private readonly HashSet<IDeadlineEntry>?[] _slots = new HashSet<IDeadlineEntry>?[SlotCount];
    private readonly List<IDeadlineEntry> _due = [];
    private readonly List<IDeadlineEntry> _expired = [];
    private readonly Lock _lock = new();
    private readonly Lock _sweeping = new();
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly ITimer _timer;
    private long _swept;

    public DeadlineWheel(TimeProvider time)
    {
        _time = time;
        _origin = time.GetTimestamp();
        _timer = time.CreateTimer(static self => ((DeadlineWheel)self!).Sweep(), this, Period, Period);
    }

    public void Add(IDeadlineEntry entry)
    {
        lock (_lock)
        {
            if (entry.WheelSlot == NotWatched)
            {
                Place(entry, Second(entry.Remaining()));
            }
        }
    }

    public void Remove(IDeadlineEntry entry)
    {
        lock (_lock)
        {
            if (entry.WheelSlot != NotWatched)
            {
                _slots[entry.WheelSlot]!.Remove(entry);
                entry.WheelSlot = NotWatched;
            }
        }
    }

    /// <summary>
    /// Expires every entry now, whatever its time (FrontDoor is stopping): the entries' waits end through the
    /// wheel, so none of them needs a token registration of its own for the stop.
    /// </summary>
    public void ExpireAll()
    {
        var all = new List<IDeadlineEntry>();
        lock (_lock)
        {
            foreach (var slot in _slots)
            {
                if (slot is { Count: > 0 })
                {
                    all.AddRange(slot);
                    slot.Clear();
                }
            }

            foreach (var entry in all)
            {
                entry.WheelSlot = NotWatched;
            }
        }

        foreach (var entry in all)
        {
            entry.Expire();
        }
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timer.Dispose();
        }
    }

    /// <summary>The wheel's second (since it started) by which <paramref name="remaining"/> is over; always after the last one swept.</summary>
    private long Second(TimeSpan remaining)
    {
        var now = (long)_time.GetElapsedTime(_origin).TotalSeconds;
        var due = now + (long)Math.Ceiling(Math.Max(0, remaining.TotalSeconds));
        return Math.Max(due, _swept + 1);
    }

    private void Place(IDeadlineEntry entry, long second)
    {
        var slot = (int)(second & (SlotCount - 1));
        (_slots[slot] ??= []).Add(entry);
        entry.WheelSlot = slot;
    }

    private void Sweep()
    {
        // A slow sweep is not run twice at once; the next tick finds what this one left.
        if (!_sweeping.TryEnter())
        {
            return;
        }

        try
        {
            var now = (long)_time.GetElapsedTime(_origin).TotalSeconds;
            lock (_lock)
            {
                // Every second since the last sweep (a late tick catches up), at most one turn of the wheel.
                for (var second = Math.Max(_swept + 1, now - SlotCount + 1); second <= now; second++)
                {
                    if (_slots[second & (SlotCount - 1)] is { Count: > 0 } slot)
                    {
                        _due.AddRange(slot);
                        slot.Clear();
                    }
                }

                _swept = Math.Max(_swept, now);
                foreach (var entry in _due)
                {
                    var remaining = entry.Remaining();
                    if (remaining <= TimeSpan.Zero)
                    {
                        entry.WheelSlot = NotWatched;
                        _expired.Add(entry);
                    }
                    else
                    {
                        Place(entry, Second(remaining));
                    }
                }

                _due.Clear();
            }

            // Outside the lock: what an expiry does must not hold up the sessions coming and going.
            foreach (var entry in _expired)
            {
                entry.Expire();
            }

            _expired.Clear();
        }
        finally
        {
            _sweeping.Exit();
        }
    }
}
