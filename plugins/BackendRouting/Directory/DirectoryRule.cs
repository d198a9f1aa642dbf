using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Plugins.BackendRouting.Directory;

/// <summary>
/// A &lt;directory&gt; rule at run time: the user's entry decides. No entry: not this rule's user (the next
/// rule or the default decides). More than one: refused (fail closed). A value nothing maps, or the
/// directory down with nothing cached: <see cref="RouteResult.Unavailable"/>, never a failed login.
/// </summary>
internal sealed partial class DirectoryRule : IAsyncDisposable, IDisposable
{
    private readonly DirectorySettings _settings;
    private readonly BackendCatalog _backends;
    private readonly IDirectorySearch _directory;
    private readonly TimeProvider _time;
    private readonly DirectoryMetrics _metrics;
    private readonly ILogger _logger;
    // Two are enough to tell "one entry" from "more than one".
    private const int LookupSizeLimit = 2;
    private int _unreachableLogged;

    /// <param name="loggedIn">The logins with open sessions on this node, whose answers a sweep keeps (<see cref="RouteCache"/>).</param>
    public DirectoryRule(DirectorySettings settings, BackendCatalog backends, IDirectorySearch directory, TimeProvider time, DirectoryMetrics metrics, ILogger logger, Func<IReadOnlySet<string>>? loggedIn = null)
    {
        _settings = settings;
        _backends = backends;
        _directory = directory;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        Cache = new RouteCache(FetchAsync, settings, time, metrics, loggedIn);
    }

    public DirectorySettings Settings => _settings;

    public RouteCache Cache { get; }

    public IDirectorySearch Directory => _directory;

    public DirectoryMetrics Metrics => _metrics;

    public async ValueTask<RouteResult> RouteAsync(string login, CancellationToken cancellationToken)
    {
        try
        {
            return (await Cache.GetAsync(login, cancellationToken).ConfigureAwait(false)).Result;
        }
        catch (DirectoryUnavailableException ex)
        {
            return RouteResult.Unavailable($"directory unreachable: {ex.Message}");
        }
    }

    /// <summary>What an entry's routing attribute means now, with a log line for each kind of bad answer.</summary>
    public CachedRoute Interpret(string login, IReadOnlyList<DirectoryEntry> entries)
    {
        if (entries.Count == 0)
        {
            return CachedRoute.NotFound;
        }

        if (entries.Count > 1)
        {
            LogAmbiguous(_logger, login, entries[0].Dn, entries[1].Dn);
            return new CachedRoute(RouteResult.Rejected("more than one directory entry matches"), null);
        }

        var entry = entries[0];
        var values = entry.Values;
        if (values.Count == 0)
        {
            return CachedRoute.NotFound with { Dn = entry.Dn };
        }

        if (values.Count > 1 || !DirectoryValue.IsAcceptable(values[0]))
        {
            LogBadValue(_logger, entry.Dn, _settings.Attribute, values.Count, DirectoryValue.ForLog(values[0]));
            return new CachedRoute(RouteResult.Unavailable($"unusable {_settings.Attribute} in {entry.Dn}"), entry.Dn);
        }

        if (Resolve(entry.Dn, values[0]) is { } route)
        {
            return route;
        }

        LogUnmapped(_logger, entry.Dn, _settings.Attribute, DirectoryValue.ForLog(values[0]));
        return new CachedRoute(RouteResult.Unavailable($"{_settings.Attribute} \"{values[0]}\" is not mapped to a backend"), entry.Dn, values[0]);
    }

    /// <summary>
    /// An answer the rule this one replaces cached, resolved with this rule's map and backends; null when it
    /// names no entry's value, or one this configuration maps nowhere (that user is looked up at the next login).
    /// </summary>
    public CachedRoute? Reinterpret(CachedRoute earlier) =>
        earlier is { Dn: { } dn, Value: { } value } ? Resolve(dn, value) : null;

    /// <summary>
    /// True when <paramref name="earlier"/> searches the same entries the same way (servers, bind, base, filter,
    /// attribute), so its logins name the same entries here.
    /// </summary>
    public bool SearchesLike(DirectoryRule earlier) =>
        _settings.Servers.SequenceEqual(earlier._settings.Servers) &&
        string.Equals(_settings.BindDn, earlier._settings.BindDn, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(_settings.Base, earlier._settings.Base, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(_settings.Filter.Template, earlier._settings.Filter.Template, StringComparison.Ordinal) &&
        string.Equals(_settings.Attribute, earlier._settings.Attribute, StringComparison.OrdinalIgnoreCase);

    private CachedRoute? Resolve(string dn, string value) =>
        DirectoryValue.Resolve(value, _settings.Map, _backends) is { } target ? new CachedRoute(RouteResult.To(target), dn, value) : null;

    public ValueTask DisposeAsync() => _directory.DisposeAsync();

    public void Dispose() => _directory.Dispose();

    private async Task<CachedRoute> FetchAsync(string login)
    {
        var started = _time.GetTimestamp();
        try
        {
            var entries = await _directory.SearchAsync(_settings.Filter.For(login), LookupSizeLimit, CancellationToken.None).ConfigureAwait(false);
            _metrics.Lookup(_time.GetElapsedTime(started), failed: false);
            if (Interlocked.Exchange(ref _unreachableLogged, 0) != 0)
            {
                LogReachable(_logger, _settings.Description);
            }

            return Interpret(login, entries);
        }
        catch (DirectoryUnavailableException ex)
        {
            _metrics.Lookup(_time.GetElapsedTime(started), failed: true);

            // Once per outage, not once per login.
            if (Interlocked.Exchange(ref _unreachableLogged, 1) == 0)
            {
                LogUnreachable(_logger, _settings.Description, ex.Message);
            }

            throw;
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Directory lookup for {Login} found more than one entry ({First}, {Second}, ...): login refused")]
    private static partial void LogAmbiguous(ILogger logger, string login, string first, string second);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Directory entry {Dn}: {Attribute} \"{Value}\" is mapped to no backend or pool (add a <map>)")]
    private static partial void LogUnmapped(ILogger logger, string dn, string attribute, string value);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Directory entry {Dn}: {Attribute} refused ({Count} values; first, escaped: {Value})")]
    private static partial void LogBadValue(ILogger logger, string dn, string attribute, int count, string value);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Error, Message = "Directory {Directory} unreachable: {Error}; cached routes serve while they are stale-valid, other users get NO [UNAVAILABLE]")]
    private static partial void LogUnreachable(ILogger logger, string directory, string error);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Directory {Directory} answers again")]
    private static partial void LogReachable(ILogger logger, string directory);
}
