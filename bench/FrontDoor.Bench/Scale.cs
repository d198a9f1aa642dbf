using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FrontDoor.Bench;

internal sealed record ScaleSample(
    string Proxy,
    bool Login,
    int Count,
    double OpenSeconds,
    long RssBefore,
    long RssAfter,
    double IdleCpuPercent,
    double FetchEmptyMs,
    double FetchLoadedMs,
    double AppendEmptyMs,
    double AppendLoadedMs,
    int Errors)
{
    public double BytesPerConnection => (double)(RssAfter - RssBefore) / Count;
}

/// <summary>
/// Scenario 6: many idle connections on one proxy in front of minimap (bench/minimap), FrontDoor and nginx
/// side by side: RSS per connection, the time to open them, CPU while they idle, and one more client's
/// FETCH and APPEND while they are open against the same on an empty proxy.
/// </summary>
internal static class Scale
{
    /// <summary>
    /// The connection counts asked for, cut to what the file limit allows: a logged-in session holds two
    /// descriptors in the proxy (client and backend), a pre-auth connection one, and the bench's own client
    /// holds one per connection.
    /// </summary>
    public static List<(int Asked, int Run)> Counts(BenchContext context, bool login)
    {
        int[] asked = context.Settings.Smoke ? [40] : login ? [10_000, 50_000, 100_000] : [10_000, 50_000];
        var room = context.FileLimit - 1_000;
        var most = login ? room / 2 : room;
        var counts = new List<(int, int)>();
        foreach (var count in asked)
        {
            var run = Math.Min(count, most);
            if (counts.Count == 0 || counts[^1].Item2 != run)
            {
                counts.Add((count, run));
            }
        }

        return counts;
    }

    public static ScaleSample Measure(BenchContext context, string proxy, int count, bool login, int run)
    {
        var settings = context.Settings;
        using var minimap = MinimapProcess.Start(context, $"scale{run}", 4);
        using ServerProcess server = proxy == "FrontDoor"
            ? FrontDoorProcess.Start(context, $"scale{run}", config: listen => minimap.FrontDoorConfig(context, listen))
            : NginxProcess.Start(context, $"scale{run}", minimap.Ports[0]);
        var endpoint = server.Endpoint;
        Memory.Open(endpoint, Math.Min(50, count), login, User).ForEach(Memory.Abort);
        var (fetchEmpty, appendEmpty) = login ? ExtraClient(context, endpoint) : (double.NaN, double.NaN);
        Thread.Sleep(settings.MemorySettleMs);
        var before = server.Rss();

        var watch = Stopwatch.StartNew();
        var open = Memory.Open(endpoint, count, login, User);
        var openSeconds = watch.Elapsed.TotalSeconds;
        try
        {
            Thread.Sleep(settings.MemoryIdleMs);
            var after = server.Rss();

            var cpuBefore = CpuTicks(server);
            var idle = Stopwatch.StartNew();
            Thread.Sleep(settings.Smoke ? 500 : 10_000);
            var cpuPercent = 100.0 * (CpuTicks(server) - cpuBefore) / TicksPerSecond / idle.Elapsed.TotalSeconds;

            var (fetchLoaded, appendLoaded) = login ? ExtraClient(context, endpoint) : (double.NaN, double.NaN);
            Memory.RunHook(server, login, count);

            // Every idle connection is still open and has heard nothing since its greeting or login.
            var errors = open.Count(s => s.Poll(0, SelectMode.SelectRead));
            return new ScaleSample(proxy, login, count, openSeconds, before, after, cpuPercent, fetchEmpty, fetchLoaded, appendEmpty, appendLoaded, errors);
        }
        finally
        {
            open.ForEach(Memory.Abort);
            Thread.Sleep(settings.MemorySettleMs / 3);
        }
    }

    // Users spread over the pool's members (rendezvous hash by user).
    private static string User(int i) => string.Create(CultureInfo.InvariantCulture, $"u{i}");

    /// <summary>One more client: SELECT, then FETCH BODY[] and APPEND {N+} of the bench message, three times each; median ms.</summary>
    internal static (double FetchMs, double AppendMs) ExtraClient(BenchContext context, IPEndPoint endpoint)
    {
        using var client = ImapClient.ConnectAndLogin(endpoint, "extra", BenchContext.Password);
        client.Run("s", "SELECT INBOX");
        var fetches = new List<double>();
        var appends = new List<double>();
        var appendLine = Encoding.ASCII.GetBytes($"a APPEND INBOX {{{context.Message.Length}+}}\r\n");
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            client.Send("f FETCH 1 BODY[]\r\n"u8);
            client.ReadTaggedOk("f "u8);
            fetches.Add(watch.Elapsed.TotalMilliseconds);

            watch.Restart();
            client.Send(appendLine);
            client.Send(context.Message);
            client.Send("\r\n"u8);
            client.ReadTaggedOk("a "u8);
            appends.Add(watch.Elapsed.TotalMilliseconds);
        }

        client.Run("z", "LOGOUT");
        return (Report.Median(fetches), Report.Median(appends));
    }

    private const double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>utime + stime of the server (nginx: its master and workers), in clock ticks.</summary>
    private static long CpuTicks(ServerProcess server)
    {
        var pids = server is NginxProcess ? [server.Pid, .. Os.Children(server.Pid)] : new List<int> { server.Pid };
        long ticks = 0;
        foreach (var pid in pids)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
            }
        }

        return ticks;
    }

    public static string ToMarkdown(List<ScaleSample> samples, List<(bool Login, int Asked, int Run)> cuts, int fileLimit, string messageSize)
    {
        var md = new StringBuilder();
        md.AppendLine("### 7. Many idle connections, in front of minimap");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"A fresh minimap (bench/minimap: a single-threaded C backend, four ports) and a fresh proxy per row; FrontDoor routes to a pool of the four ports, nginx to the first. RSS before and after opening the connections (greeted, or logged in as distinct users), a few seconds after; CPU of the proxy over 10 s of idle (percent of one core; on a shared machine it includes noise); one more client's FETCH BODY[] and APPEND {{N+}} of {messageSize} (median of 3, ms) on the empty proxy and with the connections open.");
        md.AppendLine();
        foreach (var (login, asked, run) in cuts.Where(c => c.Asked != c.Run))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {asked:N0} {(login ? "logged-in sessions" : "pre-auth connections")} asked, {run:N0} run: the file descriptor limit here is {fileLimit:N0} per process and cannot be raised (bench/README.md).");
        }

        md.AppendLine();
        md.AppendLine("| proxy | state | connections | open time (s) | RSS before (MiB) | RSS after (MiB) | bytes per connection | idle CPU (% of a core) | FETCH empty / loaded (ms) | APPEND empty / loaded (ms) | errors |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|");
        foreach (var s in samples)
        {
            var fetch = s.Login ? $"{s.FetchEmptyMs:0.0} / {s.FetchLoadedMs:0.0} ({s.FetchLoadedMs / s.FetchEmptyMs:0.00}×)" : "–";
            var append = s.Login ? $"{s.AppendEmptyMs:0.0} / {s.AppendLoadedMs:0.0} ({s.AppendLoadedMs / s.AppendEmptyMs:0.00}×)" : "–";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {s.Proxy} | {(s.Login ? "logged in" : "pre-auth (greeted)")} | {s.Count:N0} | {s.OpenSeconds:0.0} | {s.RssBefore / 1048576.0:0.0} | {s.RssAfter / 1048576.0:0.0} | {s.BytesPerConnection:N0} | {s.IdleCpuPercent:0.0} | {fetch} | {append} | {s.Errors} |");
        }

        md.AppendLine();
        return md.ToString();
    }
}
