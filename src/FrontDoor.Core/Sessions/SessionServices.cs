using FrontDoor.Core.Diagnostics;
using FrontDoor.Core.Backends;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

/// <summary>Everything a session needs, built once at start-up and shared by all sessions.</summary>
internal sealed record SessionServices(
    CapabilityPipeline Capabilities,
    BackendRouterChain Routers,
    BackendResolver Resolver,
    BackendConnector Connector,
    BackendSessionCounter Sessions,
    RelayServices Relay,
    ILoggerFactory LoggerFactory,
    FrontDoorMetrics Metrics,
    ProtocolTraceFactory Traces,
    PreAuthDeadlines PreAuthDeadlines)
{
    /// <summary>Failed logins per client address (and per user, with Redis), for the growing delay.</summary>
    public IAuthFailureThrottle Failures { get; init; } = new AuthFailureTracker(Relay.Time, Relay.Limits);

    /// <summary>The last refused logins, for the operator's status page.</summary>
    public RecentLoginFailures RecentFailures { get; } = new(Relay.Time);

    /// <summary>Logged-in sessions per user (lower case), for maxConnectionsPerUser.</summary>
    public KeyedCounter<string> Users { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Route, caps, connect and log in: one flow for every login, whatever the mechanism.</summary>
    /// <remarks>
    /// Made on first use because a record's initializers cannot pass <c>this</c>. Two sessions racing here at
    /// most make two flows; a flow holds only these services and a logger, so either one serves.
    /// </remarks>
    public LoginFlow Login => _login ??= new LoginFlow(this);

    private LoginFlow? _login;

    /// <summary>One logger for every session: a logger per session would be memory held for the session's whole life.</summary>
    public ILogger SessionLogger { get; } = LoggerFactory.CreateLogger<ClientSession>();

    public SessionLimits Limits => Relay.Limits;

    public TimeProvider Time => Relay.Time;
}
