using System.Reflection;
using FrontDoor.Core.Backends;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Hosting;
using FrontDoor.Core.Sessions;

namespace FrontDoor.Admin;

/// <summary>
/// What the admin API reads and does, over Core's own state: the session registry, backend health and
/// drains, the per-backend counters, the reloader. No HTTP here; <see cref="AdminApi"/> maps it.
/// </summary>
internal sealed class AdminQueries
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;
    public const string KickReason = "Your session was ended by the administrator, please reconnect";
    public const string DrainReason = "This mail server is being taken out of service, please reconnect";

    private readonly ISessionRegistry _sessions;
    private readonly BackendHealth _health;
    private readonly BackendSessionCounter _sessionCounts;
    private readonly RelayCounters _counters;
    private readonly BackendStatistics _statistics;
    private readonly ConfigurationReloader _reloader;
    private readonly SessionServices _sessionServices;
    private readonly FrontDoorOptions _options;
    private readonly ListenerService _listeners;
    private readonly PluginCatalog _plugins;
    private readonly ConfigurationFile _configFile;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _startedAt;

    public AdminQueries(
        ISessionRegistry sessions,
        BackendHealth health,
        BackendSessionCounter sessionCounts,
        RelayCounters counters,
        BackendStatistics statistics,
        ConfigurationReloader reloader,
        SessionServices sessionServices,
        FrontDoorOptions options,
        ListenerService listeners,
        PluginCatalog plugins,
        ConfigurationFile configFile,
        TimeProvider time)
    {
        _sessions = sessions;
        _health = health;
        _sessionCounts = sessionCounts;
        _counters = counters;
        _statistics = statistics;
        _reloader = reloader;
        _sessionServices = sessionServices;
        _options = options;
        _listeners = listeners;
        _plugins = plugins;
        _configFile = configFile;
        _time = time;
        _startedAt = time.GetUtcNow();
    }

    public SessionPage Sessions(SessionFilter filter, int page, int pageSize)
    {
        page = Math.Max(1, page);
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        var all = _sessions.Find();
        var matching = all.Where(filter.Matches)
            .OrderBy(s => s.StartedAt)
            .ThenBy(s => s.Id, StringComparer.Ordinal)
            .ToList();
        var views = matching.Skip((page - 1) * pageSize).Take(pageSize).Select(View).ToList();
        return new SessionPage(
            matching.Count,
            page,
            pageSize,
            views,
            Tally(all, s => s.Backend),
            Tally(all, s => s.Listener));
    }

    public Task<int> KickAsync(SessionFilter filter, CancellationToken cancellationToken) =>
        _sessions.KickAsync(filter.Matches, KickReason, cancellationToken);

    public BackendsView Backends()
    {
        var catalog = _reloader.Current;
        var counters = _counters.Snapshot();
        var backends = catalog.Backends.Values
            .OrderBy(b => b.Name, StringComparer.OrdinalIgnoreCase)
            .Select(b => Backend(b, counters.TryGetValue(b.Name, out var c) ? c : null))
            .ToList();
        var pools = catalog.Pools.Values
            .OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
            .Select(p => new PoolView(p.Name, p.Members))
            .ToList();
        return new BackendsView(backends, pools);
    }

    public bool IsBackend(string name) => _reloader.Current.Backends.ContainsKey(name);

    /// <summary>
    /// Drains (no new logins; the resolver skips it) and, unless <paramref name="kick"/> is false, ends its
    /// sessions in paced batches. Kept in memory: a reload keeps it, a restart forgets it.
    /// </summary>
    public async Task<DrainResult> DrainAsync(string backend, bool kick, CancellationToken cancellationToken)
    {
        var name = _reloader.Current.Backends[backend].Name;
        _health.SetDrained(name, true);
        var kicked = kick
            ? await _sessions.KickAsync(s => string.Equals(s.Backend, name, StringComparison.OrdinalIgnoreCase), DrainReason, cancellationToken).ConfigureAwait(false)
            : 0;
        return new DrainResult(name, true, kicked);
    }

    public DrainResult Undrain(string backend)
    {
        var name = _reloader.Current.Backends[backend].Name;
        _health.SetDrained(name, false);
        return new DrainResult(name, false, 0);
    }

    public StatusView Status()
    {
        var now = _time.GetUtcNow();
        var last = _reloader.LastReload;
        var listeners = _options.Listeners
            .Select(l => new ListenerView(
                l.Name,
                (_listeners.Endpoints.TryGetValue(l.Name, out var bound) ? bound : l.Endpoint).ToString(),
                l.Tls.ToString().ToLowerInvariant()))
            .ToList();
        var failures = _sessionServices.RecentFailures.Snapshot()
            .Select(f => new LoginFailureView(f.At, f.Address, f.User, f.Reason))
            .ToList();
        return new StatusView(
            Version,
            _startedAt,
            Math.Round((now - _startedAt).TotalSeconds),
            _configFile.Path,
            last is null ? null : new ReloadView(last.At, last.Applied, last.Error),
            listeners,
            [.. _plugins.Plugins.Select(p => p.Name)],
            _sessions.Count,
            failures);
    }

    private static string Version { get; } =
        typeof(AdminQueries).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private BackendView Backend(BackendTarget backend, BackendCounters? counters)
    {
        var endpoints = backend.Endpoints
            .Select(e => new EndpointView(e.ToString(), _health.IsBreakerOpen(backend.Name, e) ? "open" : "closed"))
            .ToList();
        var drained = _health.IsDrained(backend.Name);
        var health = drained ? "drained" : _health.IsReachable(backend) ? "up" : "down";
        var figures = _statistics.For(backend.Name);
        return new BackendView(
            backend.Name,
            health,
            drained,
            endpoints,
            _sessionCounts.Count(backend.Name),
            figures.LoginsLastMinute,
            figures.ConnectP50Ms,
            figures.ConnectP99Ms,
            counters?.LiteralsSynchronized ?? 0,
            counters?.CommandsDrained ?? 0,
            counters?.CapabilityRewrites ?? 0,
            counters?.BytesToBackend ?? 0,
            counters?.BytesToClient ?? 0);
    }

    private static SessionView View(SessionInfo s) => new(
        s.Id,
        RecentLoginFailures.Cut(s.User),
        s.Backend,
        s.Endpoint.ToString(),
        s.ClientAddress?.ToString(),
        s.Listener,
        s.StartedAt,
        s.LastActivity,
        s.BytesToBackend,
        s.BytesToClient,
        s.LiteralConversions);

    private static Dictionary<string, int> Tally(IEnumerable<SessionInfo> sessions, Func<SessionInfo, string> key) =>
        sessions.GroupBy(key, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
}

/// <summary>Which sessions a query or kick means; an empty filter matches every session.</summary>
internal sealed record SessionFilter(string? User, string? Backend, string? Listener, string? Session)
{
    public bool IsEmpty => User is null && Backend is null && Listener is null && Session is null;

    public bool Matches(SessionInfo s) =>
        (User is null || string.Equals(s.User, User, StringComparison.OrdinalIgnoreCase))
        && (Backend is null || string.Equals(s.Backend, Backend, StringComparison.OrdinalIgnoreCase))
        && (Listener is null || string.Equals(s.Listener, Listener, StringComparison.OrdinalIgnoreCase))
        && (Session is null || string.Equals(s.Id, Session, StringComparison.Ordinal));
}
