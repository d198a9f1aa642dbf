using FrontDoor.Core.Hooks;

namespace FrontDoor.Plugins.BackendRouting.Directory;

/// <summary>What the directory said about one login: the route, and the entry it came from (for the watch).</summary>
/// <param name="Result">To a backend or pool; NotMine when no entry matched; Rejected or Unavailable for a bad answer.</param>
/// <param name="Dn">The entry's DN, when exactly one was found.</param>
internal sealed record CachedRoute(RouteResult Result, string? Dn)
{
    public static readonly CachedRoute NotFound = new(RouteResult.NotMine, null);

    /// <summary>Cached for the negative TTL: nothing was found (or the entry has no routing attribute).</summary>
    public bool IsNegative => Result.Kind == RouteKind.NotMine;
}
