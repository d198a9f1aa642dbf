namespace FrontDoor.Core.Sessions;

/// <summary>
/// One timer for the idle timeout of every logged-in session, instead of one timer each (a timer, its
/// callback and closure were about 220 bytes of every idle session). Sessions sit in a timer wheel of
/// one-second slots by the second their silence would reach their backend's idle timeout; each tick looks
/// only at the slot that has come due, not at every session. A session found active since is put back in
/// the slot of its new deadline, so a busy session is looked at once per idle timeout, not once a second:
/// at 100,000 sessions a tick touches the few that are due instead of taking one lock over all of them.
/// </summary>
internal sealed class IdleSweeper : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    // A power of two; a deadline further out than the wheel turns is looked at early and put back.
    private const int SlotCount = 4096;
    private const int NotWatched = -1;

    private readonly HashSet<Relay>?[] _slots = new HashSet<Relay>?[SlotCount];
    private readonly List<Relay> _due = [];
    private readonly List<Relay> _expired = [];
    private readonly Lock _lock = new();
    private readonly Lock _sweeping = new();
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly ITimer _timer;
    private long _swept;

    public IdleSweeper(TimeProvider time)
    {
        _time = time;
        _origin = time.GetTimestamp();
        _timer = time.CreateTimer(static self => ((IdleSweeper)self!).Sweep(), this, Period, Period);
    }

    /// <summary>Watches the relay until <see cref="Forget"/> or the returned handle's disposal, whichever is first.</summary>
    public Watching Watch(Relay relay)
    {
        lock (_lock)
        {
            Place(relay, Second(relay.IdleRemaining()));
        }

        return new Watching(this, relay);
    }

    public void Forget(Relay relay)
    {
        lock (_lock)
        {
            if (relay.IdleSlot != NotWatched)
            {
                _slots[relay.IdleSlot]!.Remove(relay);
                relay.IdleSlot = NotWatched;
            }
        }
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>Forgets the relay when disposed, so a session that fails with an exception is not watched forever.</summary>
    internal readonly struct Watching(IdleSweeper sweeper, Relay relay) : IDisposable
    {
        public void Dispose() => sweeper.Forget(relay);
    }

    /// <summary>The wheel's second (since the sweeper started) by which <paramref name="remaining"/> is over; always after the last one swept.</summary>
    private long Second(TimeSpan remaining)
    {
        var now = (long)_time.GetElapsedTime(_origin).TotalSeconds;
        var due = now + (long)Math.Ceiling(Math.Max(0, remaining.TotalSeconds));
        return Math.Max(due, _swept + 1);
    }

    private void Place(Relay relay, long second)
    {
        var slot = (int)(second & (SlotCount - 1));
        (_slots[slot] ??= []).Add(relay);
        relay.IdleSlot = slot;
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
                var first = Math.Max(_swept + 1, now - SlotCount + 1);
                for (var second = first; second <= now; second++)
                {
                    if (_slots[second & (SlotCount - 1)] is { Count: > 0 } slot)
                    {
                        _due.AddRange(slot);
                        slot.Clear();
                    }
                }

                _swept = Math.Max(_swept, now);
                foreach (var relay in _due)
                {
                    var remaining = relay.IdleRemaining();
                    if (remaining <= TimeSpan.Zero)
                    {
                        relay.IdleSlot = NotWatched;
                        _expired.Add(relay);
                    }
                    else
                    {
                        Place(relay, Second(remaining));
                    }
                }

                _due.Clear();
            }

            // Outside the lock: ending a session must not hold up logins and logouts.
            foreach (var relay in _expired)
            {
                relay.EndIdle();
            }

            _expired.Clear();
        }
        finally
        {
            _sweeping.Exit();
        }
    }
}
