using System.Diagnostics.Metrics;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Plugins.BackendRouting.Directory;

/// <summary>The services the &lt;directory&gt; rules need at run time, taken from the host once it is built.</summary>
internal sealed record DirectoryServices(TimeProvider Time, ILoggerFactory Loggers, ISessionRegistry Sessions, DirectoryMetrics Metrics)
{
    public static DirectoryServices Create(TimeProvider time, ILoggerFactory loggers, ISessionRegistry sessions, IMeterFactory meters) =>
        new(time, loggers, sessions, new DirectoryMetrics(meters.Create(DirectoryMetrics.MeterName)));
}

/// <summary>
/// The &lt;directory&gt; rules of one routing table, running: their connections, caches and watches. A reload
/// starts a new set for the new table and disposes the old one.
/// </summary>
internal sealed partial class RunningDirectories : IAsyncDisposable, IDisposable
{
    private readonly DirectoryWatch[] _watches;

    private RunningDirectories(DirectoryRule[] rules, DirectoryWatch[] watches)
    {
        Rules = rules;
        _watches = watches;
    }

    public static RunningDirectories None { get; } = new([], []);

    public IReadOnlyList<DirectoryRule> Rules { get; }

    public IReadOnlyList<DirectoryWatch> Watches => _watches;

    /// <param name="earlier">
    /// The rules a reload replaces: a new rule that searches like one of them takes over its answers
    /// (<see cref="RouteCache.Adopt"/>), so users logged in before the reload are still followed when they move.
    /// </param>
    public static RunningDirectories Start(RoutingTable table, BackendCatalog backends, DirectoryServices services, RunningDirectories? earlier = null)
    {
        if (table.Directories.Count == 0)
        {
            return None;
        }

        var logger = services.Loggers.CreateLogger("FrontDoor.Routing.Directory");
        var sessions = services.Sessions;
        Func<IReadOnlySet<string>> loggedIn = () => sessions.Find().Select(s => s.User).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var rules = table.Directories
            .Select(settings => new DirectoryRule(settings, backends, new LdapDirectory(settings, services.Time, logger), services.Time, services.Metrics, logger, loggedIn))
            .ToArray();
        foreach (var rule in rules)
        {
            if (earlier?.Rules.FirstOrDefault(rule.SearchesLike) is { } before)
            {
                var adopted = rule.Cache.Adopt(before.Cache, rule.Reinterpret);
                LogAdopted(logger, rule.Settings.Description, adopted);
            }
        }

        var watches = rules.Where(r => r.Settings.Watch)
            .Select(r => new DirectoryWatch(r, backends, services.Sessions, services.Time, logger))
            .ToArray();
        foreach (var rule in rules)
        {
            // An unreachable directory at start-up is not fatal: say so now rather than at the first login.
            _ = ProbeAsync(rule, logger);
        }

        return new RunningDirectories(rules, watches);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var watch in _watches)
        {
            await watch.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var rule in Rules)
        {
            await rule.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>For a synchronous container disposal (check-config): stops the watches, closes the connections.</summary>
    public void Dispose()
    {
        foreach (var watch in _watches)
        {
            watch.Stop();
        }

        foreach (var rule in Rules)
        {
            rule.Dispose();
        }
    }

    private static async Task ProbeAsync(DirectoryRule rule, ILogger logger)
    {
        try
        {
            await rule.Directory.SearchAsync("(objectClass=*)", 1, CancellationToken.None).ConfigureAwait(false);
            LogReady(logger, rule.Settings.Description);
        }
        catch (DirectoryUnavailableException ex)
        {
            LogNotReady(logger, rule.Settings.Description, ex.Message);
        }
        catch (ObjectDisposedException)
        {
            // reloaded or stopped meanwhile
        }
    }

    [LoggerMessage(EventId = 4108, Level = LogLevel.Information, Message = "Directory {Directory}: {Count} cached answers kept across the reload, resolved with the new map")]
    private static partial void LogAdopted(ILogger logger, string directory, int count);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "Directory {Directory} reachable")]
    private static partial void LogReady(ILogger logger, string directory);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Error, Message = "Directory {Directory} unreachable at start: {Error}; static routes serve, directory users get NO [UNAVAILABLE] until it answers")]
    private static partial void LogNotReady(ILogger logger, string directory, string error);
}
