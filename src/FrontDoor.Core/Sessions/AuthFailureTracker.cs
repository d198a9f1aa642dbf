using System.Collections.Concurrent;
using System.Net;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// Failed logins per client address, for a growing delay before each refusal (doubling up to a maximum):
/// guessing passwords gets slow, a user who mistypes barely notices. Quiet for ten minutes, or a success,
/// and an address starts afresh.
/// </summary>
internal sealed class AuthFailureTracker
{
    private static readonly TimeSpan Forget = TimeSpan.FromMinutes(10);
    private const int MaxTracked = 100_000;

    private readonly ConcurrentDictionary<IPAddress, Entry> _failures = new();
    private readonly TimeProvider _time;
    private readonly SessionLimits _limits;

    public AuthFailureTracker(TimeProvider time, SessionLimits limits)
    {
        _time = time;
        _limits = limits;
    }

    /// <summary>Records a failure and returns how long to wait before answering it.</summary>
    public TimeSpan Failed(IPAddress? address)
    {
        if (address is null)
        {
            return _limits.AuthFailureDelay;
        }

        var now = _time.GetTimestamp();
        if (_failures.Count >= MaxTracked)
        {
            Prune(now);
        }

        var entry = _failures.AddOrUpdate(
            address,
            static (_, now) => new Entry(1, now),
            (_, old, now) => _time.GetElapsedTime(old.Last, now) > Forget ? new Entry(1, now) : new Entry(old.Count + 1, now),
            now);
        var factor = Math.Pow(2, Math.Min(entry.Count - 1, 20));
        var delay = TimeSpan.FromTicks((long)Math.Min(_limits.AuthFailureDelay.Ticks * factor, _limits.MaxAuthFailureDelay.Ticks));
        return delay;
    }

    public void Succeeded(IPAddress? address)
    {
        if (address is not null)
        {
            _failures.TryRemove(address, out _);
        }
    }

    private void Prune(long now)
    {
        foreach (var (address, entry) in _failures)
        {
            if (_time.GetElapsedTime(entry.Last, now) > Forget)
            {
                _failures.TryRemove(address, out _);
            }
        }
    }

    private readonly record struct Entry(int Count, long Last);
}
