using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace FrontDoor.Core.Diagnostics;

/// <summary>The values of the <c>result</c> tag of <c>frontdoor.logins</c>.</summary>
internal static class LoginResults
{
    /// <summary>The backend accepted the login; the relay runs.</summary>
    public const string Ok = "ok";

    /// <summary>The backend refused the credentials.</summary>
    public const string Refused = "refused";

    /// <summary>No endpoint of the backend answered, or the login on it failed: <c>NO [UNAVAILABLE]</c>.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>No router claimed the user, or a router rejected it.</summary>
    public const string NoRoute = "no-route";

    /// <summary>The user was sent elsewhere: <c>NO [REFERRAL ...]</c>.</summary>
    public const string Referral = "referral";

    /// <summary>The backend was at its maxSessions cap: <c>NO [LIMIT]</c>.</summary>
    public const string Limit = "limit";
}

/// <summary>
/// The "FrontDoor" meter and its event-driven instruments: logins by result, backend connect latency and
/// connect failures. Everything that is already counted elsewhere (sessions, relay totals) is observed
/// from those counters by <see cref="MetricsObservers"/> instead, so the hot path adds nothing.
/// Every method is cheap and thread-safe; without a listener an instrument does nothing.
/// </summary>
internal sealed class FrontDoorMetrics
{
    public const string MeterName = "FrontDoor";

    // Connect + greeting (+ TLS) in seconds: loopback is well under a millisecond, a WAN link tens of ms.
    private static readonly double[] ConnectBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Counter<long> _logins;
    private readonly Histogram<double> _connectDuration;
    private readonly Counter<long> _connectFailures;
    private readonly ConcurrentDictionary<string, byte> _backends = new(StringComparer.OrdinalIgnoreCase);

    public FrontDoorMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(MeterName);
        _logins = Meter.CreateCounter<long>(
            "frontdoor.logins", "{login}", "Logins by result (ok, refused, unavailable, no-route, referral, limit) and backend");
        _connectDuration = Meter.CreateHistogram(
            "frontdoor.backend.connect.duration",
            "s",
            "Time to connect to a backend endpoint and read its greeting (TLS included), per backend",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ConnectBuckets });
        _connectFailures = Meter.CreateCounter<long>(
            "frontdoor.backend.connect.failures", "{failure}", "Failed attempts to connect to a backend endpoint, per backend");
    }

    /// <summary>The meter every FrontDoor instrument is on.</summary>
    public Meter Meter { get; }

    /// <summary>Backends seen by these methods, for the per-backend observed instruments.</summary>
    public IEnumerable<string> SeenBackends => _backends.Keys;

    /// <summary>A LOGIN or AUTHENTICATE has an answer. <paramref name="backend"/> is null when no backend was chosen.</summary>
    public void LoginCompleted(string? backend, string result)
    {
        if (backend is null)
        {
            _logins.Add(1, new KeyValuePair<string, object?>("result", result));
            return;
        }

        Seen(backend);
        _logins.Add(1, new KeyValuePair<string, object?>("backend", backend), new KeyValuePair<string, object?>("result", result));
    }

    /// <summary>An endpoint of <paramref name="backend"/> accepted the connection and greeted, after <paramref name="elapsed"/>.</summary>
    public void BackendConnected(string backend, TimeSpan elapsed)
    {
        Seen(backend);
        _connectDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("backend", backend));
    }

    /// <summary>An attempt on an endpoint of <paramref name="backend"/> failed (refused, timed out, bad greeting, TLS).</summary>
    public void BackendConnectFailed(string backend)
    {
        Seen(backend);
        _connectFailures.Add(1, new KeyValuePair<string, object?>("backend", backend));
    }

    private void Seen(string backend) => _backends.TryAdd(backend, 0);
}
