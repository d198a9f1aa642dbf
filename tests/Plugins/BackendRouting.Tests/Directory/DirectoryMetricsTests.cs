using System.Diagnostics.Metrics;
using FrontDoor.Core.Hooks;
using FrontDoor.Plugins.BackendRouting.Directory;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FrontDoor.Plugins.BackendRouting.Tests.Directory;

/// <summary>The cache's instruments count what happened: lookups, hits, misses, stale hits, failures, latency.</summary>
public sealed class DirectoryMetricsTests : IDisposable
{
    private readonly Meter _meter = new("FrontDoor");
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, double> _totals = [];
    private readonly FakeTimeProvider _clock = new();

    public DirectoryMetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, _meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Add(instrument.Name, value));
        _listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => Add(instrument.Name, 1));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _meter.Dispose();
    }

    private void Add(string name, double value)
    {
        lock (_totals)
        {
            _totals[name] = _totals.GetValueOrDefault(name) + value;
        }
    }

    private double Total(string name)
    {
        lock (_totals)
        {
            return _totals.GetValueOrDefault(name);
        }
    }

    [Fact]
    public async Task Each_kind_of_answer_is_counted()
    {
        var settings = new DirectorySettings
        {
            Servers = [new Uri("ldap://127.0.0.1")],
            Base = "dc=example,dc=com",
            Filter = LdapFilter.Parse("(uid=%u)", "filter"),
            Map = new Dictionary<string, string>(),
            CacheTime = TimeSpan.FromSeconds(60),
            StaleTime = TimeSpan.FromSeconds(3600),
        };
        var metrics = new DirectoryMetrics(_meter);
        var up = true;
        var found = new CachedRoute(RouteResult.To("mbx1"), "uid=alice");

        // The route cache's own lookup is timed and counted by DirectoryRule; here the cache's counters.
        var cache = new RouteCache(_ => up ? Task.FromResult(found) : Task.FromException<CachedRoute>(new DirectoryUnavailableException("down")), settings, _clock, metrics);
        await cache.GetAsync("alice", default);     // miss
        await cache.GetAsync("alice", default);     // hit
        up = false;
        _clock.Advance(TimeSpan.FromSeconds(61));
        await cache.GetAsync("alice", default);     // miss, then stale hit
        metrics.Lookup(TimeSpan.FromMilliseconds(3), failed: false);
        metrics.Lookup(TimeSpan.FromMilliseconds(5000), failed: true);

        Assert.Equal(2, Total("frontdoor.directory.cache.misses"));
        Assert.Equal(1, Total("frontdoor.directory.cache.hits"));
        Assert.Equal(1, Total("frontdoor.directory.cache.stale_hits"));
        Assert.Equal(2, Total("frontdoor.directory.lookups"));
        Assert.Equal(1, Total("frontdoor.directory.failures"));
        Assert.Equal(2, Total("frontdoor.directory.lookup.duration"));
    }
}
