using FrontDoor.Core.Hooks;
using FrontDoor.Plugins.BackendRouting.Directory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FrontDoor.Plugins.BackendRouting;

/// <summary>
/// The router over the current <see cref="RoutingTable"/>. A reload that Core and every plugin accepted swaps
/// in a new table for new logins (open sessions keep the backend they have). The table's &lt;directory&gt;
/// rules run once the host's services are known (<see cref="Start"/>); a reload starts the new ones and
/// stops the old ones.
/// </summary>
internal sealed partial class ConfiguredRouter : IBackendRouter, IDescribeConfiguration, IAsyncDisposable, IDisposable
{
    private volatile Running _running;
    private DirectoryServices? _services;

    public ConfiguredRouter(RoutingTable table, BackendCatalog backends)
    {
        _running = new Running(table, backends, RunningDirectories.None);
    }

    public ILogger Logger { get; set; } = NullLogger.Instance;

    public RoutingTable Table => _running.Table;

    internal RunningDirectories Directories => _running.Directories;

    public ValueTask<RouteResult> RouteAsync(RouteRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var running = _running;
        return running.Table.RouteAsync(request.User, running.Directories.Rules, cancellationToken);
    }

    /// <summary>Starts the directory rules with the host's services.</summary>
    public void Start(DirectoryServices services)
    {
        _services = services;
        var running = _running;
        _running = running with { Directories = RunningDirectories.Start(running.Table, running.Backends, services) };
    }

    /// <summary>Applies a table validated by a reload.</summary>
    public void Use(RoutingTable table, BackendCatalog backends)
    {
        var old = _running;
        var directories = _services is { } services ? RunningDirectories.Start(table, backends, services, old.Directories) : RunningDirectories.None;
        _running = new Running(table, backends, directories);
        _ = old.Directories.DisposeAsync().AsTask();
        LogReloaded(Logger, table.Steps.Count);
    }

    public ValueTask DisposeAsync() => _running.Directories.DisposeAsync();

    public void Dispose() => _running.Directories.Dispose();

    /// <summary>The table in force now, for check-config.</summary>
    public ConfigurationDescription Describe()
    {
        var table = _running.Table;
        var routes = table.Steps.Select(step => step.Route is { } r
            ? new RouteDescription(r.Kind.ToString().ToLowerInvariant(), r.Value, r.Backend, r.Referral)
            : new RouteDescription("directory", table.Directories[step.Directory].Describe(), $"the entry's {table.Directories[step.Directory].Attribute}", null));
        return new ConfigurationDescription
        {
            Source = "BackendRouting",
            Routing = new RoutingDescription([.. routes], table.Default),
        };
    }

    private sealed record Running(RoutingTable Table, BackendCatalog Backends, RunningDirectories Directories);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Routing reloaded: {Routes} routes")]
    private static partial void LogReloaded(ILogger logger, int routes);
}
