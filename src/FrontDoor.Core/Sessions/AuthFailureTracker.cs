using System.Collections.Concurrent;
using System.Net;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// Failed logins per client address, for a growing delay before each refusal (doubling up to a maximum):
/// guessing passwords gets slow, a user who mistypes barely notices. Quiet for ten minutes, or a success,
/// and an address starts afresh. This node's own count: without Redis, and while Redis is unreachable.
/// </summary>
internal sealed class AuthFailureTracker : IAuthFailureThrottle
{
    private static readonly TimeSpan Forget = ThrottleOptions.DefaultForget;
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
        return FailureDelay.For(entry.Count, _limits);
    }

    public ValueTask<TimeSpan> FailedAsync(IPAddress? address, string? user, CancellationToken cancellationToken) => ValueTask.FromResult(Failed(address));

    public void Succeeded(IPAddress? address, string user) => Succeeded(address);

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
