using System.Collections.Concurrent;
using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Backends;

/// <summary>
/// What Core knows of each backend's health without asking it: which endpoints' circuit breakers are open
/// (told by the resilience pipelines), and which backends an operator drained. Read on every login that
/// names a pool; written only when a breaker changes state or an operator acts. An open breaker counts
/// only for its break duration: a pool sends no logins to a broken member, so its breaker would never be
/// tried again (Polly half-opens a breaker on the next call after the break), and the member's users would
/// never move back. After the break the member is offered again; the next login through it half-opens the
/// breaker, and closes it or opens it for another break.
/// </summary>
internal sealed class BackendHealth
{
    // Each open breaker with the time its break ends.
    private readonly ConcurrentDictionary<(string Backend, BackendEndpoint Endpoint), DateTimeOffset> _openBreakers = new();
    private readonly ConcurrentDictionary<string, bool> _drained = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;

    public BackendHealth(TimeProvider time) => _time = time;

    public void BreakerOpened(string backend, BackendEndpoint endpoint, TimeSpan breakDuration) =>
        _openBreakers[(backend.ToUpperInvariant(), endpoint)] = _time.GetUtcNow() + breakDuration;

    public void BreakerClosed(string backend, BackendEndpoint endpoint) => _openBreakers.TryRemove((backend.ToUpperInvariant(), endpoint), out _);

    /// <summary>True while the endpoint's breaker is open and its break has not ended.</summary>
    public bool IsBreakerOpen(string backend, BackendEndpoint endpoint) =>
        _openBreakers.TryGetValue((backend.ToUpperInvariant(), endpoint), out var until) && _time.GetUtcNow() < until;

    /// <summary>True while some endpoint of the backend may take a login: its breaker is closed or half-open.</summary>
    public bool IsReachable(BackendTarget backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (_openBreakers.IsEmpty)
        {
            return true;
        }

        foreach (var endpoint in backend.Endpoints)
        {
            if (!IsBreakerOpen(backend.Name, endpoint))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A drained backend takes no new logins. Kept in memory only: a restart undrains everything.</summary>
    public bool SetDrained(string backend, bool drained) =>
        drained ? _drained.TryAdd(backend, true) : _drained.TryRemove(backend, out _);

    public bool IsDrained(string backend) => !_drained.IsEmpty && _drained.ContainsKey(backend);

    public IReadOnlyCollection<string> Drained => [.. _drained.Keys];
}
