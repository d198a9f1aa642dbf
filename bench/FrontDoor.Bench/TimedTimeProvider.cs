using System.Diagnostics;

namespace FrontDoor.Bench;

/// <summary>
/// The system clock, with every timer callback timed: scenario 10 registers it as FrontDoor's
/// <see cref="TimeProvider"/> to read how long the idle sweeper's real ticks take with 100,000 sessions
/// watched. A callback's duration is filed under the type of its timer's state (a deadline wheel passes
/// itself), so the sweeper's ticks are told apart from the pre-auth wheel's and any other timer's.
/// <see cref="Skip"/> moves the clock forward (the timers still fire in real time), so that the next
/// sweeper tick finds every silent session past its idle timeout.
/// </summary>
internal sealed class TimedTimeProvider : TimeProvider
{
    private readonly Dictionary<Type, List<TimeSpan>> _ticks = [];
    private long _skipped;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Volatile.Read(ref _skipped));

    public override long GetTimestamp() => System.GetTimestamp() + (long)(Volatile.Read(ref _skipped) * (System.TimestampFrequency / (double)TimeSpan.TicksPerSecond));

    public override long TimestampFrequency => System.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(s =>
        {
            var start = Stopwatch.GetTimestamp();
            callback(s);
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (s is not null)
            {
                lock (_ticks)
                {
                    (_ticks.TryGetValue(s.GetType(), out var list) ? list : _ticks[s.GetType()] = []).Add(elapsed);
                }
            }
        }, state, dueTime, period);

    /// <summary>From now on the clock reads <paramref name="time"/> later than the system's.</summary>
    public void Skip(TimeSpan time) => Interlocked.Add(ref _skipped, time.Ticks);

    /// <summary>The durations of the callbacks whose timer state is a <typeparamref name="T"/> since the last call; forgets them.</summary>
    public List<TimeSpan> Take<T>()
    {
        lock (_ticks)
        {
            if (!_ticks.Remove(typeof(T), out var list))
            {
                return [];
            }

            return list;
        }
    }
}
