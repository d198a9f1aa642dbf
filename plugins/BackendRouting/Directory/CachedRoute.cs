using FrontDoor.Core.Hooks;

namespace FrontDoor.Plugins.BackendRouting.Directory;

/// <summary>What the directory said about one login: the route, and the entry it came from (for the watch).</summary>
/// <param name="Result">To a backend or pool; NotMine when no entry matched; Rejected or Unavailable for a bad answer.</param>
/// <param name="Dn">The entry's DN, when exactly one was found.</param>
/// <param name="Value">
/// The routing attribute's one acceptable value, kept so that a reload can resolve it again with its own
/// &lt;map&gt; and backends, without asking the directory (<see cref="RouteCache.Adopt"/>).
/// </param>
internal sealed record CachedRoute(RouteResult Result, string? Dn, string? Value = null)
{
    public static readonly CachedRoute NotFound = new(RouteResult.NotMine, null);

    /// <summary>Cached for the negative TTL: nothing was found (or the entry has no routing attribute).</summary>
    public bool IsNegative => Result.Kind == RouteKind.NotMine;
}
