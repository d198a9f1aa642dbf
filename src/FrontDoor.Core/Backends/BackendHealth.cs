using System.Collections.Concurrent;
using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Backends;

/// <summary>
/// What Core knows of each backend's health without asking it: which endpoints' circuit breakers are open
/// (told by the resilience pipelines), and which backends an operator drained. Read on every login that
/// names a pool; written only when a breaker changes state or an operator acts.
/// </summary>
internal sealed class BackendHealth
{
    private readonly ConcurrentDictionary<(string Backend, BackendEndpoint Endpoint), bool> _openBreakers = new();
    private readonly ConcurrentDictionary<string, bool> _drained = new(StringComparer.OrdinalIgnoreCase);

    public void BreakerOpened(string backend, BackendEndpoint endpoint) => _openBreakers[(backend.ToUpperInvariant(), endpoint)] = true;

    public void BreakerClosed(string backend, BackendEndpoint endpoint) => _openBreakers.TryRemove((backend.ToUpperInvariant(), endpoint), out _);

    public bool IsBreakerOpen(string backend, BackendEndpoint endpoint) => _openBreakers.ContainsKey((backend.ToUpperInvariant(), endpoint));

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
