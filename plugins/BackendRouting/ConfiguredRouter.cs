using FrontDoor.Core.Hooks;

namespace FrontDoor.Plugins.BackendRouting;

/// <summary>The router over a <see cref="RoutingTable"/>.</summary>
internal sealed class ConfiguredRouter : IBackendRouter
{
    private readonly RoutingTable _table;

    public ConfiguredRouter(RoutingTable table)
    {
        _table = table;
    }

    public ValueTask<RouteResult> RouteAsync(RouteRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var backend = _table.Route(request.User);
        return ValueTask.FromResult(backend is null ? RouteResult.NotMine : RouteResult.To(backend));
    }
}
