using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Backends;

/// <summary>Every <see cref="IBackendRouter"/>, ordered once; the first that claims the user decides.</summary>
internal sealed class BackendRouterChain
{
    private readonly IBackendRouter[] _routers;

    public BackendRouterChain(IEnumerable<IBackendRouter> routers)
    {
        _routers = [.. routers.OrderBy(r => r.Order)];
    }

    public int Count => _routers.Length;

    public async ValueTask<RouteResult> RouteAsync(RouteRequest request, CancellationToken cancellationToken)
    {
        foreach (var router in _routers)
        {
            var result = await router.RouteAsync(request, cancellationToken).ConfigureAwait(false);
            if (result.Kind != RouteKind.NotMine)
            {
                return result;
            }
        }

        return RouteResult.NotMine;
    }
}
