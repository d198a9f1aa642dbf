using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FrontDoor.Core.Diagnostics;

namespace FrontDoor.Admin;

/// <summary>
/// Logins per minute and connect latency per backend, for the admin API. It listens to the "FrontDoor"
/// meter (the same events Prometheus gets), so the session code has nothing to add for it: a login or a
/// backend connect records one measurement here, the relay never does.
/// </summary>
internal sealed class BackendStatistics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, BackendWindow> _backends = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;

    public BackendStatistics(FrontDoorMetrics metrics, TimeProvider time)
    {
        _time = time;
        var meter = metrics.Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only this host's meter: tests run several hosts in one process.
            if (ReferenceEquals(instrument.Meter, meter) && instrument.Name is "frontdoor.logins" or "frontdoor.backend.connect.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnLogin);
        _listener.SetMeasurementEventCallback<double>(OnConnect);
        _listener.Start();
    }

    public BackendFigures For(string backend) =>
        _backends.TryGetValue(backend, out var window) ? window.Figures(_time.GetTimestamp(), _time) : BackendFigures.None;

    public void Dispose() => _listener.Dispose();

    private void OnLogin(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? backend = null;
        string? result = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "backend")
            {
                backend = tag.Value as string;
            }
            else if (tag.Key == "result")
            {
                result = tag.Value as string;
            }
        }

        if (backend is not null && result == LoginResults.Ok)
        {
            Window(backend).Login(_time.GetTimestamp(), _time);
        }
    }

    private void OnConnect(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "backend" && tag.Value is string backend)
            {
                Window(backend).Connected(seconds);
            }
        }
    }

    private BackendWindow Window(string backend) => _backends.GetOrAdd(backend, static _ => new BackendWindow());
}

/// <summary>Logins in the last minute, and connect latency percentiles over the last connects, in milliseconds.</summary>
internal sealed record BackendFigures(int LoginsLastMinute, double? ConnectP50Ms, double? ConnectP99Ms, int ConnectSamples)
{
    public static BackendFigures None { get; } = new(0, null, null, 0);
}

/// <summary>One backend's recent logins (time stamps of the last minute) and last connect latencies.</summary>
internal sealed class BackendWindow
{
    private const int LatencySamples = 512;
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private readonly Queue<long> _logins = new();
    private readonly double[] _latencies = new double[LatencySamples];
    private int _nextLatency;
    private int _latencyCount;

    public void Login(long now, TimeProvider time)
    {
        lock (_gate)
        {
            _logins.Enqueue(now);
            Prune(now, time);
        }
    }

    public void Connected(double seconds)
    {
        lock (_gate)
        {
            _latencies[_nextLatency] = seconds * 1000;
            _nextLatency = (_nextLatency + 1) % LatencySamples;
            _latencyCount = Math.Min(_latencyCount + 1, LatencySamples);
        }
    }

    public BackendFigures Figures(long now, TimeProvider time)
    {
        double[] samples;
        int logins;
        lock (_gate)
        {
            Prune(now, time);
            logins = _logins.Count;
            samples = _latencies.AsSpan(0, _latencyCount).ToArray();
        }

        if (samples.Length == 0)
        {
            return new BackendFigures(logins, null, null, 0);
        }

        Array.Sort(samples);
        return new BackendFigures(logins, Percentile(samples, 0.50), Percentile(samples, 0.99), samples.Length);
    }

    private void Prune(long now, TimeProvider time)
    {
        while (_logins.Count > 0 && time.GetElapsedTime(_logins.Peek(), now) > Minute)
        {
            _logins.Dequeue();
        }
    }

    // Nearest-rank percentile over sorted samples.
    private static double Percentile(double[] sorted, double p) =>
        Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 3);
}
