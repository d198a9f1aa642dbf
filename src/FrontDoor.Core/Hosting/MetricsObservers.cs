using FrontDoor.Core.Diagnostics;
using System.Diagnostics.Metrics;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Hosting;
using FrontDoor.Core.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FrontDoor.Core.Hosting;

/// <summary>
/// The observable instruments of the "FrontDoor" meter: each reads a counter the sessions keep anyway
/// (<see cref="ListenerService.ActiveSessions"/>, <see cref="BackendSessionCounter"/>,
/// <see cref="RelayCounters"/>) when a listener collects, so nothing is added to the hot path.
/// A hosted service only so that the host creates it at start-up; it has nothing to start or stop.
/// </summary>
internal sealed class MetricsObservers : IHostedService
{
    private const string Backend = "backend";

    private readonly FrontDoorMetrics _metrics;
    private readonly ListenerService _listeners;
    private readonly RelayCounters _relay;
    private readonly BackendSessionCounter _sessions;
    private readonly IBackendCatalogMonitor _catalog;

    public MetricsObservers(FrontDoorMetrics metrics, ListenerService listeners, RelayCounters relay, BackendSessionCounter sessions, IBackendCatalogMonitor catalog)
    {
        _metrics = metrics;
        _listeners = listeners;
        _relay = relay;
        _sessions = sessions;
        _catalog = catalog;

        var meter = metrics.Meter;
        meter.CreateObservableUpDownCounter(
            "frontdoor.sessions.active", () => _listeners.ActiveSessions, "{session}", "Client connections open now, before and after login");
        meter.CreateObservableUpDownCounter(
            "frontdoor.connections.parked", () => _listeners.ParkedConnections, "{connection}", "Of the active sessions, greeted connections that have not sent a byte yet, held as bare descriptors");
        meter.CreateObservableUpDownCounter(
            "frontdoor.backend.sessions", ObserveBackendSessions, "{session}", "Logged-in sessions (and logins in progress) per backend");
        meter.CreateObservableCounter(
            "frontdoor.relay.transferred", ObserveBytes, "By", "Octets relayed after login, per backend and direction (to_client, to_backend)");
        meter.CreateObservableCounter(
            "frontdoor.relay.spliced", () => Observe(c => c.SplicedToClient), "By", "Of the octets relayed to clients, those of large literals moved from socket to socket by splice(2) without being copied into FrontDoor, per backend");
        meter.CreateObservableCounter(
            "frontdoor.literals.synchronized", () => Observe(c => c.LiteralsSynchronized), "{literal}", "Non-synchronizing literals sent to the backend as synchronizing ones, per backend");
        meter.CreateObservableCounter(
            "frontdoor.literals.drained", () => Observe(c => c.CommandsDrained), "{command}", "Commands whose converted literal the backend refused, so their octets were drained, per backend");
        meter.CreateObservableCounter(
            "frontdoor.literals.drained.size", () => Observe(c => c.LiteralBytesDrained), "By", "Literal octets read from clients and dropped after the backend refused the command, per backend");
        meter.CreateObservableCounter(
            "frontdoor.capability.rewrites", () => Observe(c => c.CapabilityRewrites), "{response}", "Capability responses rewritten through the filters after login, per backend");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static KeyValuePair<string, object?> Tag(string backend) => new(Backend, backend);

    private IEnumerable<Measurement<long>> Observe(Func<BackendCounters, long> read)
    {
        foreach (var (backend, counters) in _relay.Snapshot())
        {
            yield return new Measurement<long>(read(counters), Tag(backend));
        }
    }

    private IEnumerable<Measurement<long>> ObserveBytes()
    {
        foreach (var (backend, counters) in _relay.Snapshot())
        {
            yield return new Measurement<long>(counters.BytesToClient, Tag(backend), new KeyValuePair<string, object?>("direction", "to_client"));
            yield return new Measurement<long>(counters.BytesToBackend, Tag(backend), new KeyValuePair<string, object?>("direction", "to_backend"));
        }
    }

    /// <summary>Every backend known now: configured, relayed to, or seen in an event.</summary>
    private IEnumerable<Measurement<int>> ObserveBackendSessions()
    {
        var names = new HashSet<string>(_catalog.Current.Backends.Keys, StringComparer.OrdinalIgnoreCase);

        names.UnionWith(_relay.Snapshot().Keys);
        names.UnionWith(_metrics.SeenBackends);
        foreach (var name in names)
        {
            yield return new Measurement<int>(_sessions.Count(name), Tag(name));
        }
    }
}
