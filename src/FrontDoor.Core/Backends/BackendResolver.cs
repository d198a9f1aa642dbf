using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Backends;

/// <summary>Why a name a router returned leads to no backend.</summary>
internal enum ResolveFailure
{
    None,

    /// <summary>No backend or pool has the name (a router's mistake or a directory value no map covers).</summary>
    Unknown,

    /// <summary>The backend is drained, or every member of the pool is.</summary>
    Drained,
}

/// <summary>
/// Turns the backend or pool name a router chose into the backend to connect to. A pool gives each user
/// the member with the highest rendezvous score (highest random weight hashing) among the members that are
/// neither drained nor behind open breakers, so every node, with no coordination, sends a user to the same
/// member; a member going down moves only the users whose top choice it was, and they come back when it
/// recovers. Shared storage needs this affinity: two servers writing one user's indexes corrupt them.
/// </summary>
internal sealed class BackendResolver
{
    private readonly IBackendCatalogMonitor _catalog;
    private readonly BackendHealth _health;

    public BackendResolver(IBackendCatalogMonitor catalog, BackendHealth health)
    {
        _catalog = catalog;
        _health = health;
    }

    public BackendTarget? Resolve(string name, string user, out ResolveFailure failure)
    {
        var catalog = _catalog.Current;
        if (catalog.Backend(name) is { } backend)
        {
            failure = _health.IsDrained(backend.Name) ? ResolveFailure.Drained : ResolveFailure.None;
            return failure == ResolveFailure.None ? backend : null;
        }

        if (!catalog.Pools.TryGetValue(name, out var pool))
        {
            failure = ResolveFailure.Unknown;
            return null;
        }

        var chosen = Choose(catalog, pool, user, requireReachable: true) ?? Choose(catalog, pool, user, requireReachable: false);
        failure = chosen is null ? ResolveFailure.Drained : ResolveFailure.None;
        return chosen;
    }

    /// <summary>The member with the highest score for the user; with no reachable member, the best undrained one (its own login then fails fast).</summary>
    private BackendTarget? Choose(BackendCatalog catalog, BackendPool pool, string user, bool requireReachable)
    {
        BackendTarget? best = null;
        ulong bestScore = 0;
        foreach (var name in pool.Members)
        {
            var member = catalog.Backends[name];
            if (_health.IsDrained(member.Name) || (requireReachable && !_health.IsReachable(member)))
            {
                continue;
            }

            var score = Score(member.Name, user);
            if (best is null || score > bestScore)
            {
                best = member;
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>A stable 64-bit hash of member and user (both case-folded), the same on every node and every run.</summary>
    internal static ulong Score(string member, string user)
    {
        var key = string.Concat(member.ToUpperInvariant(), "\n", user.ToUpperInvariant());
        var bytes = Encoding.UTF8.GetBytes(key);
        return XxHash64.HashToUInt64(bytes);
    }
}
