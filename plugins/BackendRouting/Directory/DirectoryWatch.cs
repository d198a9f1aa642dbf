using System.Globalization;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Plugins.BackendRouting.Directory;

/// <summary>
/// Follows changes of the routing attribute (watch="true") by polling: every <c>watchSeconds</c> (default 1)
/// one search for entries with the attribute whose <c>changedAttribute</c> (modifyTimestamp; AD: whenChanged) is
/// at or after the newest one seen. The cost
/// to the directory is one indexed search per node per interval, answering only the entries changed since.
/// For each changed entry, the logins cached from it get the new answer, and their sessions on a backend the
/// new route does not lead to are ended (<see cref="ISessionRegistry.KickAsync"/>, paced), so the clients
/// reconnect and land on the new backend. Polling works against OpenLDAP and Active Directory alike, with
/// no extension or control the server must support.
/// </summary>
internal sealed partial class DirectoryWatch : IAsyncDisposable
{
    private const int MaxChangesPerPoll = 1000;

    private readonly DirectoryRule _rule;
    private readonly BackendCatalog _backends;
    private readonly ISessionRegistry _sessions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private string _since;

    public DirectoryWatch(DirectoryRule rule, BackendCatalog backends, ISessionRegistry sessions, TimeProvider time, ILogger logger)
    {
        _rule = rule;
        _backends = backends;
        _sessions = sessions;
        _time = time;
        _logger = logger;

        // Entries changed from a second before this node started to watch; the directory's clock is trusted to
        // be close to ours (NTP), and from the first answer on only its own timestamps are compared.
        _since = GeneralizedTime(time.GetUtcNow().AddSeconds(-1));
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Re-routes applied so far (tests and the bench watch this figure).</summary>
    public long Applied => Interlocked.Read(ref _applied);

    private long _applied;

    /// <summary>Stops the polling without waiting for a poll in progress (it ends at its timeout).</summary>
    public void Stop() => _stop.Cancel();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(_rule.Settings.WatchInterval, _time);
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            try
            {
                await PollAsync().ConfigureAwait(false);
            }
            catch (DirectoryUnavailableException ex)
            {
                LogPollFailed(_logger, ex.Message);
            }
        }
    }

    /// <summary>One poll: the entries changed since the last, applied to the cache and to open sessions.</summary>
    internal async Task PollAsync()
    {
        var attribute = _rule.Settings.Attribute;
        var filter = $"(&({attribute}=*)({_rule.Settings.ChangedAttribute}>={_since}))";
        _rule.Metrics.WatchPoll();
        var changed = await _rule.Directory.SearchAsync(filter, MaxChangesPerPoll, _stop.Token).ConfigureAwait(false);
        var cached = _rule.Cache.ByEntries(changed.Select(e => e.Dn));
        foreach (var entry in changed)
        {
            if (entry.ModifyTimestamp is { } stamp && string.CompareOrdinal(stamp, _since) > 0)
            {
                _since = stamp;
            }

            foreach (var (login, old) in cached[entry.Dn])
            {
                var now = _rule.Interpret(login, [entry]);
                if (now.Result == old.Result)
                {
                    continue;
                }

                _rule.Cache.Replace(login, now);
                Interlocked.Increment(ref _applied);
                await ReRouteAsync(login, old.Result, now.Result).ConfigureAwait(false);
            }
        }
    }

    private async Task ReRouteAsync(string login, RouteResult old, RouteResult now)
    {
        var from = old.Target ?? old.Kind.ToString();
        // Only a route to somewhere says which sessions are in the wrong place; for any other answer the
        // next rule decides at the next login, and open sessions are left alone.
        if (now.Kind != RouteKind.Backend)
        {
            var to = now.Kind.ToString();
            LogChanged(_logger, login, from, to, 0);
            return;
        }

        var members = Members(now.Target!);
        var kicked = await _sessions.KickAsync(
            s => string.Equals(s.User, login, StringComparison.OrdinalIgnoreCase) && !members.Contains(s.Backend),
            $"Your mailbox moved to another server; please reconnect",
            _stop.Token).ConfigureAwait(false);
        LogChanged(_logger, login, from, now.Target!, kicked);
    }

    private HashSet<string> Members(string target) =>
        _backends.Pools.TryGetValue(target, out var pool)
            ? new HashSet<string>(pool.Members, StringComparer.OrdinalIgnoreCase)
            : new HashSet<string>([target], StringComparer.OrdinalIgnoreCase);

    /// <summary>RFC 4517 section 3.3.13 GeneralizedTime in UTC, to the second: 20261130140426Z.</summary>
    private static string GeneralizedTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyyMMddHHmmss'Z'", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 4120, Level = LogLevel.Information, Message = "Directory re-route of {Login}: {Old} -> {New}; {Kicked} open sessions on the old backend told to reconnect")]
    private static partial void LogChanged(ILogger logger, string login, string old, string @new, int kicked);

    [LoggerMessage(EventId = 4121, Level = LogLevel.Warning, Message = "Directory watch: poll failed ({Error}); cached routes stay as they are")]
    private static partial void LogPollFailed(ILogger logger, string error);
}
