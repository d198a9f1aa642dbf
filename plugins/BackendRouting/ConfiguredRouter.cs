using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace FrontDoor.Plugins.BackendRouting;

/// <summary>
/// The router over the current <see cref="RoutingTable"/>. An edit of FrontDoor.config swaps in a new
/// table for new logins (open sessions keep the backend they have); an invalid edit keeps the last good
/// table and logs one error.
/// </summary>
internal sealed partial class ConfiguredRouter : IBackendRouter, IDescribeConfiguration, IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly ILogger _logger;
    private readonly IDisposable _subscription;
    private volatile RoutingTable _table;

    public ConfiguredRouter(IConfiguration configuration, RoutingTable table, ILogger logger)
    {
        _configuration = configuration;
        _table = table;
        _logger = logger;
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    public RoutingTable Table => _table;

    public ValueTask<RouteResult> RouteAsync(RouteRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ValueTask.FromResult(_table.Route(request.User));
    }

    /// <summary>The table in force now, for check-config and the per-backend metrics.</summary>
    public ConfigurationDescription Describe()
    {
        var table = _table;
        var routes = table.Rules.Select(r => new RouteDescription(r.Kind.ToString().ToLowerInvariant(), r.Value, r.Backend?.Name, r.Referral));
        return new ConfigurationDescription
        {
            Source = "BackendRouting",
            Routing = new RoutingDescription([.. routes], table.Default?.Name),
            Backends = [.. table.Backends.Values],
        };
    }

    public void Dispose() => _subscription.Dispose();

    private void Reload()
    {
        try
        {
            _table = RoutingTable.Read(_configuration);
            LogReloaded(_table.Rules.Count, _table.Backends.Count);
        }
        catch (FrontDoorConfigurationException ex)
        {
            LogReloadRejected(ex.Message);
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Routing reloaded: {Routes} routes, {Backends} backends")]
    private partial void LogReloaded(int routes, int backends);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Routing reload rejected, keeping the last good routing: {Error}")]
    private partial void LogReloadRejected(string error);
}
