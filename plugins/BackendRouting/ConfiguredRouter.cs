using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FrontDoor.Plugins.BackendRouting;

/// <summary>
/// The router over the current <see cref="RoutingTable"/>. A reload that Core and every plugin accepted swaps
/// in a new table for new logins (open sessions keep the backend they have).
/// </summary>
internal sealed partial class ConfiguredRouter : IBackendRouter, IDescribeConfiguration
{
    private volatile RoutingTable _table;

    public ConfiguredRouter(RoutingTable table)
    {
        _table = table;
    }

    public ILogger Logger { get; set; } = NullLogger.Instance;

    public RoutingTable Table => _table;

    public ValueTask<RouteResult> RouteAsync(RouteRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ValueTask.FromResult(_table.Route(request.User));
    }

    /// <summary>Applies a table validated by a reload.</summary>
    public void Use(RoutingTable table)
    {
        _table = table;
        LogReloaded(Logger, table.Rules.Count);
    }

    /// <summary>The table in force now, for check-config.</summary>
    public ConfigurationDescription Describe()
    {
        var table = _table;
        var routes = table.Rules.Select(r => new RouteDescription(r.Kind.ToString().ToLowerInvariant(), r.Value, r.Backend, r.Referral));
        return new ConfigurationDescription
        {
            Source = "BackendRouting",
            Routing = new RoutingDescription([.. routes], table.Default),
        };
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Routing reloaded: {Routes} routes")]
    private static partial void LogReloaded(ILogger logger, int routes);
}
