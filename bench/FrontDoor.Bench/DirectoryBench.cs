using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FrontDoor.Bench;

/// <summary>
/// Scenario 7: routing from a directory. A private slapd (scripts/slapd-instance.sh) holds the bench user's
/// mailHost; FrontDoor hosts run in this process, on the same Dovecot as the other scenarios.
/// (a) login latency (connect, greeting, LOGIN, tagged OK) with a static route, a cached directory route and
/// an uncached one (cacheSeconds so short that every login searches); (b) re-route propagation over three
/// nodes that share nothing but the directory: from the ldapmodify's return until all three route new
/// logins to the new backend, and until all three have closed the session open on the old one; (c) the
/// searches one idle node with watch="true" sends per second.
/// </summary>
internal static class DirectoryBench
{
    private const string AdminDn = "cn=admin,dc=example,dc=com";
    private const string AdminPassword = "admin-secret";
    private const string People = "ou=people,dc=example,dc=com";

    public static async Task<string> MeasureAsync(BenchContext context, int logins, int reroutes, TimeSpan idle)
    {
        var slapdDirectory = Path.Combine(context.Work, "slapd");
        var ldif = Path.Combine(context.Work, "people.ldif");
        await File.WriteAllTextAsync(ldif, $"""
            dn: uid={BenchContext.User},{People}
            objectClass: inetOrgPerson
            objectClass: inetLocalMailRecipient
            uid: {BenchContext.User}
            cn: bench
            sn: bench
            mailHost: mail-a.example.com

            """);
        var script = Path.Combine(context.Repo, "scripts", "slapd-instance.sh");
        var port = Os.FreePort();
        var (code, output) = Os.Run("bash", script, "start", slapdDirectory, port.ToString(CultureInfo.InvariantCulture), ldif);
        if (code != 0)
        {
            throw new BenchException($"slapd-instance.sh start failed: {output}");
        }

        try
        {
            var url = $"ldap://127.0.0.1:{port}";
            var md = new StringBuilder();
            md.AppendLine("### 7. Directory routing (slapd)");
            md.AppendLine();
            await LoginLatencyAsync(context, url, logins, md);
            await ReRoutesAsync(context, url, reroutes, md);
            await IdleQueriesAsync(context, url, idle, md);
            return md.ToString();
        }
        finally
        {
            Os.Run("bash", script, "destroy", slapdDirectory);
        }
    }

    private static string Config(BenchContext context, string routing) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <frontDoor>
            <listeners><listener name="imap" endpoint="127.0.0.1:0" tls="none" /></listeners>
            <plugins directory="{context.PluginDirectory}" />
            <backends>
              <backend name="a" endpoint="127.0.0.1:{context.Dovecot.Port}" literalPlus="passthrough" />
              <backend name="b" endpoint="127.0.0.1:{context.Dovecot.Port}" literalPlus="passthrough" />
            </backends>
            {routing}
          </frontDoor>
        </configuration>
        """;

    private static string Directory(string url, string attributes) => $"""
        <routing>
          <directory server="{url}" bindDn="cn=imapproxy,ou=services,dc=example,dc=com" bindPassword="proxy-secret"
                     base="{People}" filter="(uid=%u)" timeout="5" {attributes}>
            <map value="mail-a.example.com" backend="a" />
            <map value="mail-b.example.com" backend="b" />
          </directory>
        </routing>
        """;

    private static async Task<IHost> StartAsync(BenchContext context, string name, string routing)
    {
        var path = Path.Combine(context.Work, $"frontdoor-directory-{name}.config");
        await File.WriteAllTextAsync(path, Config(context, routing));
        var host = FrontDoorHost.Build(["--config", path, "--Logging:LogLevel:Default", "Warning"]);
        await host.StartAsync();
        return host;
    }

    private static IPEndPoint Endpoint(IHost host) => host.Services.GetRequiredService<ListenerService>().Endpoints["imap"];

    private static async Task LoginLatencyAsync(BenchContext context, string url, int logins, StringBuilder md)
    {
        (string Name, string Routing)[] paths =
        [
            ("static route", """<routing default="a" />"""),
            ("directory, cached", Directory(url, """cacheSeconds="3600" """)),
            ("directory, uncached (a search per login)", Directory(url, """cacheSeconds="0.000001" negativeCacheSeconds="0.000001" """)),
        ];
        var hosts = new List<IHost>();
        try
        {
            foreach (var (name, routing) in paths)
            {
                hosts.Add(await StartAsync(context, name.Split(' ')[0] + hosts.Count, routing));
            }

            var samples = paths.Select(_ => new List<long>()).ToArray();
            for (var i = 0; i < logins + 20; i++)
            {
                for (var p = 0; p < paths.Length; p++)
                {
                    // Paths take turns, each round starting with the next, so drift hits all alike.
                    var path = (p + i) % paths.Length;
                    var start = Stopwatch.GetTimestamp();
                    using var client = ImapClient.ConnectAndLogin(Endpoint(hosts[path]), BenchContext.User, BenchContext.Password, 4096);
                    var took = Stopwatch.GetTimestamp() - start;
                    client.Run("z", "LOGOUT");
                    if (i >= 20)
                    {
                        samples[path].Add(took);
                    }
                }
            }

            md.AppendLine(CultureInfo.InvariantCulture, $"Login latency: connect, greeting, LOGIN, tagged OK; {logins} logins per path after 20 warm-up rounds, the paths taking turns. Each path is its own in-process FrontDoor on the same Dovecot.");
            md.AppendLine();
            md.AppendLine("| routing | p50 (ms) | p99 (ms) | p99 − static p99 (ms) |");
            md.AppendLine("|---|---:|---:|---:|");
            var staticP99 = Percentile(samples[0], 0.99);
            for (var p = 0; p < paths.Length; p++)
            {
                var p99 = Percentile(samples[p], 0.99);
                md.AppendLine(CultureInfo.InvariantCulture, $"| {paths[p].Name} | {Percentile(samples[p], 0.50):0.00} | {p99:0.00} | {p99 - staticP99:+0.00;-0.00;0.00} |");
            }

            md.AppendLine();
        }
        finally
        {
            await StopAllAsync(hosts);
        }
    }

    private static async Task ReRoutesAsync(BenchContext context, string url, int reroutes, StringBuilder md)
    {
        var routing = Directory(url, """cacheSeconds="3600" watch="true" """);
        var nodes = new List<IHost>();
        try
        {
            for (var n = 0; n < 3; n++)
            {
                nodes.Add(await StartAsync(context, $"node{n}", routing));
            }

            var propagation = new List<long>();
            var closed = new List<long>();
            var current = "a";
            for (var r = 0; r < reroutes; r++)
            {
                var sessions = nodes.Select(node => ImapClient.ConnectAndLogin(Endpoint(node), BenchContext.User, BenchContext.Password, 4096)).ToList();
                foreach (var node in nodes)
                {
                    await WaitUntilAsync(() => Task.FromResult(Registry(node).Find(s => s.User == BenchContext.User && s.Backend == current).Count == 1));
                }

                var next = current == "a" ? "b" : "a";
                SetMailHost(url, $"mail-{next}.example.com");
                var written = Stopwatch.GetTimestamp();
                var seen = 0L;
                var gone = 0L;
                await WaitUntilAsync(async () =>
                {
                    if (seen == 0 && await AllRouteToAsync(nodes, next))
                    {
                        seen = Stopwatch.GetTimestamp() - written;
                    }

                    if (gone == 0 && nodes.All(node => Registry(node).Find(s => s.User == BenchContext.User && s.Backend == current).Count == 0))
                    {
                        gone = Stopwatch.GetTimestamp() - written;
                    }

                    return seen != 0 && gone != 0;
                });
                propagation.Add(seen);
                closed.Add(gone);
                sessions.ForEach(s => s.Dispose());
                current = next;
            }

            md.AppendLine(CultureInfo.InvariantCulture, $"Re-route propagation: 3 nodes (in-process hosts sharing nothing but the directory, watch=\"true\", polling every 1 s), {reroutes} re-routes of one user by ldapmodify, each with one open session per node on the old backend. Timed from ldapmodify's return.");
            md.AppendLine();
            md.AppendLine("| measure | p50 (ms) | p99 (ms) | max (ms) | target |");
            md.AppendLine("|---|---:|---:|---:|---|");
            md.AppendLine(CultureInfo.InvariantCulture, $"| new logins on all 3 nodes route to the new backend | {Percentile(propagation, 0.5):0} | {Percentile(propagation, 0.99):0} | {Percentile(propagation, 1):0} | ≤ 2000 p99 |");
            md.AppendLine(CultureInfo.InvariantCulture, $"| old sessions on all 3 nodes closed | {Percentile(closed, 0.5):0} | {Percentile(closed, 0.99):0} | {Percentile(closed, 1):0} | ≤ 5000 |");
            md.AppendLine();
        }
        finally
        {
            await StopAllAsync(nodes);
        }
    }

    private static async Task IdleQueriesAsync(BenchContext context, string url, TimeSpan idle, StringBuilder md)
    {
        using var host = await StartAsync(context, "idle", Directory(url, """cacheSeconds="60" watch="true" """));
        try
        {
            // One login, so the node has a cached route to keep, then nothing.
            using (var client = ImapClient.ConnectAndLogin(Endpoint(host), BenchContext.User, BenchContext.Password, 4096))
            {
                client.Run("z", "LOGOUT");
            }

            var factory = host.Services.GetRequiredService<IMeterFactory>();
            long searches = 0;
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name is "frontdoor.directory.watch.polls" or "frontdoor.directory.lookups" && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref searches, value));
            listener.Start();
            await Task.Delay(idle);
            var rate = Interlocked.Read(ref searches) / idle.TotalSeconds;
            md.AppendLine(CultureInfo.InvariantCulture, $"At idle (no logins for {idle.TotalSeconds:0} s), one node with watch=\"true\" sends **{rate:0.00} searches/s** to the directory (the watch's poll for entries changed since its last look; no lookups). Without watch it sends none; lookups then follow logins, at most one per user per cacheSeconds.");
            md.AppendLine();
        }
        finally
        {
            await host.StopAsync(TimeSpan.FromSeconds(10));
        }
    }

    private static async Task StopAllAsync(List<IHost> hosts)
    {
        foreach (var host in hosts)
        {
            await host.StopAsync(TimeSpan.FromSeconds(10));
            host.Dispose();
        }
    }

    private static ISessionRegistry Registry(IHost host) => host.Services.GetRequiredService<ISessionRegistry>();

    private static async Task<bool> AllRouteToAsync(List<IHost> nodes, string backend)
    {
        foreach (var node in nodes)
        {
            var chain = node.Services.GetServices<IBackendRouter>();
            var decided = false;
            foreach (var router in chain)
            {
                var result = await router.RouteAsync(new RouteRequest(BenchContext.User, null, "imap"), CancellationToken.None);
                if (result.Kind != RouteKind.NotMine)
                {
                    if (result.Target != backend)
                    {
                        return false;
                    }

                    decided = true;
                    break;
                }
            }

            if (!decided)
            {
                return false;
            }
        }

        return true;
    }

    private static void SetMailHost(string url, string mailHost)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, $"dn: uid={BenchContext.User},{People}\nchangetype: modify\nreplace: mailHost\nmailHost: {mailHost}\n");
            var (code, output) = Os.Run("ldapmodify", "-x", "-H", url, "-D", AdminDn, "-w", AdminPassword, "-f", file);
            if (code != 0)
            {
                throw new BenchException($"ldapmodify failed: {output}");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (!await condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new BenchException("directory bench: a condition was not met within 30 s");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>The p-th percentile in milliseconds of Stopwatch ticks.</summary>
    private static double Percentile(List<long> ticks, double p)
    {
        var sorted = ticks.OrderBy(t => t).ToArray();
        var index = Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[index] * 1000.0 / Stopwatch.Frequency;
    }
}
