namespace FrontDoor.Core.Hooks;

/// <summary>
/// The validated &lt;backends&gt; of FrontDoor.config: every backend and pool by name (case-insensitive).
/// Immutable; a reload that validates builds a new one, a reload that does not keeps the old one.
/// </summary>
public sealed class BackendCatalog
{
    public BackendCatalog(IReadOnlyDictionary<string, BackendTarget> backends, IReadOnlyDictionary<string, BackendPool> pools)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(pools);
        Backends = new Dictionary<string, BackendTarget>(backends, StringComparer.OrdinalIgnoreCase);
        Pools = new Dictionary<string, BackendPool>(pools, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyDictionary<string, BackendTarget> Backends { get; }

    public IReadOnlyDictionary<string, BackendPool> Pools { get; }

    /// <summary>True when a backend or a pool has this name: what a route, a map or a default may name.</summary>
    public bool Contains(string name) => Backends.ContainsKey(name) || Pools.ContainsKey(name);

    public BackendTarget? Backend(string name) => Backends.TryGetValue(name, out var backend) ? backend : null;
}

/// <summary>The catalog in force now. Plugins read <see cref="Current"/> when they need it; it changes on reload.</summary>
public interface IBackendCatalogMonitor
{
    BackendCatalog Current { get; }
}
