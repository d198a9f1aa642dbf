using System.Collections.Concurrent;

namespace FrontDoor.Plugins.BackendRouting.Directory;

/// <summary>
/// The directory's answers on this node, by login (case-insensitive). A fresh answer is used as is (found:
/// <c>cacheSeconds</c>, not found: <c>negativeCacheSeconds</c>); otherwise one lookup runs however many logins
/// of the user wait for it. When the directory cannot answer, an expired answer still serves for
/// <c>staleSeconds</c> past its expiry; with none, the caller learns the directory is unavailable.
/// </summary>
internal sealed class RouteCache
{
    /// <summary>Past this many answers, those no longer usable (not even stale) are dropped: random logins must not grow the cache for ever.</summary>
    internal const int SweepAbove = 100_000;

    private static readonly IReadOnlySet<string> EmptySet = new HashSet<string>();

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Lazy<Task<CachedRoute>>> _inFlight = new(StringComparer.OrdinalIgnoreCase);
    private readonly Func<string, Task<CachedRoute>> _fetch;
    private readonly TimeProvider _time;
    private readonly DirectorySettings _settings;
    private readonly DirectoryMetrics _metrics;
    private readonly Func<IReadOnlySet<string>> _loggedIn;
    private long _lastSweep;

    /// <param name="loggedIn">
    /// The logins with open sessions on this node. Their answers outlive a sweep: the watch finds a user's
    /// sessions through the entry the answer came from, and would not follow a user whose answer was dropped.
    /// </param>
    public RouteCache(Func<string, Task<CachedRoute>> fetch, DirectorySettings settings, TimeProvider time, DirectoryMetrics metrics, Func<IReadOnlySet<string>>? loggedIn = null)
    {
        _fetch = fetch;
        _settings = settings;
        _time = time;
        _metrics = metrics;
        _loggedIn = loggedIn ?? (static () => EmptySet);
    }

    public int Count => _entries.Count;

    /// <summary>
    /// The answer for <paramref name="login"/>: cached, looked up, or stale. Throws
    /// <see cref="DirectoryUnavailableException"/> when the directory failed and nothing usable is cached.
    /// </summary>
    public async ValueTask<CachedRoute> GetAsync(string login, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        _entries.TryGetValue(login, out var cached);
        if (cached is not null && _time.GetElapsedTime(cached.FetchedAt, now) < TimeToLive(cached.Route))
        {
            _metrics.Hit();
            return cached.Route;
        }

        _metrics.Miss();
        try
        {
            return await LookupOnceAsync(login).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DirectoryUnavailableException) when (Stale(login) is { } stale)
        {
            _metrics.StaleHit();
            return stale;
        }
    }

    /// <summary>Puts the directory's new answer in place (the watch saw the entry change).</summary>
    public void Replace(string login, CachedRoute route) => _entries[login] = new Entry(route, _time.GetTimestamp());

    /// <summary>
    /// The cached logins whose answer came from one of the entries <paramref name="dns"/>, by entry: one pass over
    /// the cache however many entries changed, since a mass move changes thousands in one poll.
    /// </summary>
    public Dictionary<string, List<(string Login, CachedRoute Route)>> ByEntries(IEnumerable<string> dns)
    {
        var found = new Dictionary<string, List<(string Login, CachedRoute Route)>>(StringComparer.OrdinalIgnoreCase);
        foreach (var dn in dns)
        {
            found.TryAdd(dn, []);
        }

        foreach (var (login, entry) in _entries)
        {
            if (entry.Route.Dn is { } dn && found.TryGetValue(dn, out var logins))
            {
                logins.Add((login, entry.Route));
            }
        }

        return found;
    }

    /// <summary>
    /// Takes over the answers of the cache a reload replaces, each as <paramref name="reinterpret"/> makes it
    /// (null: dropped), with its age: without them the watch of the new configuration would not know which
    /// entry a logged-in user came from, and would not follow that user's move.
    /// </summary>
    public int Adopt(RouteCache earlier, Func<CachedRoute, CachedRoute?> reinterpret)
    {
        var adopted = 0;
        foreach (var (login, entry) in earlier._entries)
        {
            if (reinterpret(entry.Route) is { } route && _entries.TryAdd(login, entry with { Route = route }))
            {
                adopted++;
            }
        }

        return adopted;
    }

    private TimeSpan TimeToLive(CachedRoute route) => route.IsNegative ? _settings.NegativeCacheTime : _settings.CacheTime;

    private CachedRoute? Stale(string login)
    {
        // A "not found" is not served stale: without the directory, such a user is better told "unavailable"
        // than sent to a default backend that may not hold the mailbox.
        return _entries.TryGetValue(login, out var entry) && !entry.Route.IsNegative &&
               _time.GetElapsedTime(entry.FetchedAt) < TimeToLive(entry.Route) + _settings.StaleTime
            ? entry.Route
            : null;
    }

    /// <summary>Single flight: the first caller starts the lookup, the others await the same task.</summary>
    private Task<CachedRoute> LookupOnceAsync(string login)
    {
        var flight = _inFlight.GetOrAdd(login, key => new Lazy<Task<CachedRoute>>(() => FetchAndStoreAsync(key)));
        return flight.Value;
    }

    private async Task<CachedRoute> FetchAndStoreAsync(string login)
    {
        try
        {
            // Let the caller's GetOrAdd finish before the lookup can complete and remove itself.
            await Task.Yield();
            var route = await _fetch(login).ConfigureAwait(false);
            _entries[login] = new Entry(route, _time.GetTimestamp());
            if (_entries.Count > SweepAbove && _time.GetElapsedTime(Volatile.Read(ref _lastSweep)) > _settings.NegativeCacheTime)
            {
                Volatile.Write(ref _lastSweep, _time.GetTimestamp());
                Sweep();
            }

            return route;
        }
        finally
        {
            _inFlight.TryRemove(login, out _);
        }
    }

    private void Sweep()
    {
        var now = _time.GetTimestamp();
        var loggedIn = _loggedIn();
        foreach (var (login, entry) in _entries)
        {
            var keep = entry.Route.IsNegative ? _settings.NegativeCacheTime : _settings.CacheTime + _settings.StaleTime;
            if (_time.GetElapsedTime(entry.FetchedAt, now) >= keep && (entry.Route.Dn is null || !loggedIn.Contains(login)))
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(login, entry));
            }
        }
    }

    private sealed record Entry(CachedRoute Route, long FetchedAt);
}
