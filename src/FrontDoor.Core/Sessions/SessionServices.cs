using FrontDoor.Core.Backends;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

/// <summary>Everything a session needs, built once at start-up and shared by all sessions.</summary>
internal sealed record SessionServices(
    CapabilityPipeline Capabilities,
    BackendRouterChain Routers,
    BackendConnector Connector,
    BackendSessionCounter Sessions,
    RelayServices Relay,
    ILoggerFactory LoggerFactory)
{
    public SessionLimits Limits => Relay.Limits;

    public TimeProvider Time => Relay.Time;
}
