using System.Diagnostics.Metrics;

namespace FrontDoor.Plugins.BackendRouting.Directory;

/// <summary>
/// The directory's instruments, on Core's "FrontDoor" meter (the meter factory hands every caller of one
/// name the same meter, so they reach the same exporters).
/// </summary>
internal sealed class DirectoryMetrics
{
    public const string MeterName = "FrontDoor";

    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Counter<long> _lookups;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _staleHits;
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _watchPolls;

    public DirectoryMetrics(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _lookups = meter.CreateCounter<long>("frontdoor.directory.lookups", "{lookup}", "Searches sent to the directory for a login");
        _hits = meter.CreateCounter<long>("frontdoor.directory.cache.hits", "{login}", "Logins routed from a fresh cached directory answer");
        _misses = meter.CreateCounter<long>("frontdoor.directory.cache.misses", "{login}", "Logins with no fresh cached answer (a lookup was needed)");
        _staleHits = meter.CreateCounter<long>("frontdoor.directory.cache.stale_hits", "{login}", "Logins routed from an expired cached answer because the directory was unreachable");
        _failures = meter.CreateCounter<long>("frontdoor.directory.failures", "{lookup}", "Lookups no directory server answered in time");
        _watchPolls = meter.CreateCounter<long>("frontdoor.directory.watch.polls", "{search}", "Searches for changed entries sent by the watch (its whole cost to the directory)");
        _latency = meter.CreateHistogram(
            "frontdoor.directory.lookup.duration", "s", "Time one directory lookup took (failed ones included)", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
    }

    /// <summary>Instruments no one listens to, for tests and tools.</summary>
    public static DirectoryMetrics Unobserved { get; } = new(new Meter(MeterName));

    public void Hit() => _hits.Add(1);

    public void Miss() => _misses.Add(1);

    public void StaleHit() => _staleHits.Add(1);

    public void WatchPoll() => _watchPolls.Add(1);

    public void Lookup(TimeSpan took, bool failed)
    {
        _lookups.Add(1);
        _latency.Record(took.TotalSeconds);
        if (failed)
        {
            _failures.Add(1);
        }
    }
}
