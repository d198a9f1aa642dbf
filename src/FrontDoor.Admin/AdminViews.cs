namespace FrontDoor.Admin;

// The JSON shapes of the admin API. Login names are cut to 64 characters (RecentLoginFailures.Cut); the
// JSON writer escapes <, > and & as \u003C..., so nothing a client typed can become markup.

/// <summary>One logged-in session.</summary>
internal sealed record SessionView(
    string Id,
    string User,
    string Backend,
    string Endpoint,
    string? ClientAddress,
    string Listener,
    DateTimeOffset StartedAt,
    DateTimeOffset LastActivity,
    long BytesToBackend,
    long BytesToClient,
    long LiteralConversions);

/// <summary>One page of sessions: <see cref="Total"/> match the filter, <see cref="Sessions"/> are this page's.</summary>
internal sealed record SessionPage(int Total, int Page, int PageSize, IReadOnlyList<SessionView> Sessions, IReadOnlyDictionary<string, int> PerBackend, IReadOnlyDictionary<string, int> PerListener);

/// <summary>How many sessions were told to end.</summary>
internal sealed record KickResult(int Kicked);

/// <summary>One endpoint of a backend: whether its circuit breaker lets logins through.</summary>
internal sealed record EndpointView(string Endpoint, string Breaker);

/// <summary>A backend's health and figures.</summary>
internal sealed record BackendView(
    string Name,
    string Health,
    bool Drained,
    IReadOnlyList<EndpointView> Endpoints,
    int Sessions,
    int LoginsPerMinute,
    double? ConnectP50Ms,
    double? ConnectP99Ms,
    long LiteralConversions,
    long LiteralDrains,
    long CapabilityRewrites,
    long BytesToBackend,
    long BytesToClient);

/// <summary>A pool and its members.</summary>
internal sealed record PoolView(string Name, IReadOnlyList<string> Members);

internal sealed record BackendsView(IReadOnlyList<BackendView> Backends, IReadOnlyList<PoolView> Pools);

/// <summary>What a drain or undrain did.</summary>
internal sealed record DrainResult(string Backend, bool Drained, int Kicked);

internal sealed record ListenerView(string Name, string Endpoint, string Tls);

internal sealed record ReloadView(DateTimeOffset At, bool Applied, string? Error);

internal sealed record LoginFailureView(DateTimeOffset At, string Address, string User, string Reason);

/// <summary>The process: version, uptime, config and its last reload, listeners, plugins, recent refused logins.</summary>
internal sealed record StatusView(
    string Version,
    DateTimeOffset StartedAt,
    double UptimeSeconds,
    string ConfigFile,
    ReloadView? LastReload,
    IReadOnlyList<ListenerView> Listeners,
    IReadOnlyList<string> Plugins,
    int Sessions,
    IReadOnlyList<LoginFailureView> RecentLoginFailures);

/// <summary>An error answer: one line saying what was wrong.</summary>
internal sealed record ErrorView(string Error);
