using System.Globalization;
using System.Text;

namespace FrontDoor.Bench;

/// <summary>One session of bench/noop_loop.py: latency, and the proxy's CPU and scheduling per NOOP (NaN for direct).</summary>
internal readonly record struct SequentialRun(double P50, double P99, double CpuMicros, double RunsPerCommand, double ClientCpuMicros, double JitMicros);

/// <summary>
/// Scenario 3c: NOOP latency seen by a plain client that is not .NET (bench/noop_loop.py, raw sockets), one
/// session at a time: a whole session of sequential NOOPs per run, paths alternating run by run. Scenario
/// 3a interleaves the three paths command by command; bench/README.md says why the two views differ. The
/// proxy's CPU time per NOOP is read around the loop: unlike a latency, it counts only what the proxy ran,
/// so it holds on a loaded machine.
/// </summary>
internal static class SequentialNoop
{
    public static int Count(BenchSettings settings) => settings.Smoke ? 20 : 2_000;

    public static int Runs(BenchSettings settings) => settings.Smoke ? 1 : 9;

    private const double QuietMargin = 1.15;

    private static int WarmUpSessions(BenchSettings settings) => settings.Smoke ? 1 : 30;

    /// <summary>
    /// Short sessions through every path before the measured rounds. A young FrontDoor is still tiering up
    /// its login and relay code for its first few dozen sessions (bench/README.md, "A young process"),
    /// which 3c would otherwise measure when it runs alone.
    /// </summary>
    public static void WarmUp(BenchContext context, IReadOnlyList<BenchPath> paths)
    {
        for (var i = 0; i < WarmUpSessions(context.Settings); i++)
        {
            foreach (var path in paths)
            {
                Run(context, path, 1);
            }
        }
    }

    public static SequentialRun Measure(BenchContext context, BenchPath path)
    {
        var values = Run(context, path, Count(context.Settings));
        return new SequentialRun(values[0], values[1], values[2], values[3], values[4], values[5]);
    }

    private static double[] Run(BenchContext context, BenchPath path, int count)
    {
        var endpoint = path.Endpoint();
        var script = Path.Combine(context.Repo, "bench", "noop_loop.py");
        var pids = path.Processes is null ? string.Empty : string.Join(',', path.Processes());
        var (code, output) = Os.Run("python3", script, endpoint.Address.ToString(), endpoint.Port.ToString(CultureInfo.InvariantCulture),
            path.User, BenchContext.Password, count.ToString(CultureInfo.InvariantCulture), pids);
        var fields = output.Trim().Split(' ');
        if (code != 0 || fields.Length != 6)
        {
            throw new BenchException($"bench/noop_loop.py exited {code}: {output.Trim()}");
        }

        return [.. fields.Select(f => double.Parse(f, CultureInfo.InvariantCulture))];
    }

    public static string ToMarkdown(Dictionary<BenchPath, List<SequentialRun>> results, BenchSettings settings)
    {
        var md = new StringBuilder();
        md.AppendLine("### 3c. NOOP, sequential, from a Python raw-socket client");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"`bench/noop_loop.py`: one session, {Count(settings):N0} NOOPs one at a time after 200 untimed; {Runs(settings)} run(s) per path after {WarmUpSessions(settings)} short warm-up session(s) and {settings.Warmups} warm-up round(s), the paths alternating run by run (not command by command as in 3a). Medians of the runs. CPU: the proxy's threads' time on a CPU per NOOP, thread by thread (`/proc/PID/task/*/schedstat`; nginx: master and workers; a thread that ended meanwhile counts nothing); runs: how often a proxy thread was put on a CPU per NOOP (2 = one wake-up per direction); the client's own CPU per NOOP gauges the load (about 7 µs on a quiet machine); JIT: the part of FrontDoor's CPU spent by .NET's background compiler, tier-up work of a young process that a long-lived one no longer does.");
        md.AppendLine();
        md.AppendLine("| path | p50 (µs) | p99 (µs) | added at p50 (µs) | proxy CPU per NOOP (µs) | of which JIT (µs) | proxy runs per NOOP | client CPU per NOOP (µs) | runs, p50 µs / CPU µs / client CPU µs |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        var direct = results.FirstOrDefault(r => r.Key.Name == "direct").Value is { } d ? Report.Median(d.Select(v => v.P50)) : double.NaN;
        foreach (var (path, runs) in results)
        {
            var p50 = Report.Median(runs.Select(r => r.P50));
            var p99 = Report.Median(runs.Select(r => r.P99));
            var added = path.Name == "direct" ? "–" : (p50 - direct).ToString("0", CultureInfo.InvariantCulture);
            var cpu = Cell(Report.Median(runs.Select(r => r.CpuMicros)), "0.0");
            var jit = Cell(Report.Median(runs.Select(r => r.JitMicros)), "0.0");
            var scheduled = Cell(Report.Median(runs.Select(r => r.RunsPerCommand)), "0.00");
            var client = Report.Median(runs.Select(r => r.ClientCpuMicros)).ToString("0.0", CultureInfo.InvariantCulture);
            var each = string.Join(", ", runs.Select(r => double.IsNaN(r.CpuMicros)
                ? r.P50.ToString("0", CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{r.P50:0} / {r.CpuMicros:0.0} / {r.ClientCpuMicros:0.0}")));
            md.AppendLine(CultureInfo.InvariantCulture, $"| {path.Name} | {p50:0} | {p99:0} | {added} | {cpu} | {jit} | {scheduled} | {client} | {each} |");
        }

        // Run i of every path belongs to the same round, seconds apart.
        var frontDoor = results.FirstOrDefault(r => r.Key.Name == "FrontDoor").Value;
        var nginx = results.FirstOrDefault(r => r.Key.Name.StartsWith("nginx", StringComparison.Ordinal)).Value;
        if (frontDoor is { Count: > 0 } && nginx is { Count: > 0 })
        {
            // Load from other processes inflates every CPU figure (caches, frequency, the hypervisor), the
            // client's too: a path's runs where the client ran near its best on that path are its comparable
            // ones (the client's own cost differs a little from path to path).
            var fdQuiet = Quiet(frontDoor);
            var nginxQuiet = Quiet(nginx);
            var ratios = frontDoor.Zip(nginx, (f, n) => f.CpuMicros / n.CpuMicros).ToList();
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"FrontDoor's CPU per NOOP over nginx's, quiet runs only (each path's runs where the client's CPU per NOOP was within {QuietMargin:0.00} × its lowest on that path): **{Cell(Report.Median(fdQuiet) / Report.Median(nginxQuiet), "0.00")} ×** (FrontDoor {Cell(Report.Median(fdQuiet), "0.0")} µs over {fdQuiet.Count} run(s), nginx {Cell(Report.Median(nginxQuiet), "0.0")} µs over {nginxQuiet.Count}); target ≤ 1.00 (issue 12). Round by round over all runs, which only a quiet machine makes meaningful: {string.Join(", ", ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}.");
        }

        md.AppendLine();
        return md.ToString();
    }

    private static List<double> Quiet(List<SequentialRun> runs)
    {
        var best = runs.Min(r => r.ClientCpuMicros);
        return [.. runs.Where(r => r.ClientCpuMicros <= best * QuietMargin).Select(r => r.CpuMicros)];
    }

    private static string Cell(double value, string format) => double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);
}
