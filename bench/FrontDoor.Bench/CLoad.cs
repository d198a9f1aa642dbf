using System.Globalization;
using System.Text;

namespace FrontDoor.Bench;

/// <summary>One path's figures from a bench/cload run: latency (NaN when pipelined) or throughput, and the proxy's CPU and scheduling per command (NaN for direct).</summary>
internal readonly record struct CLoadRun(double P50, double P99, double CommandsPerSecond, double CpuMicros, double RunsPerCommand);

/// <summary>
/// Scenarios 3d and 3e: 3a and 3b again from bench/cload, a C client that shares no runtime with FrontDoor
/// and costs next to nothing per command (bench/README.md, "Scenarios 3d and 3e"). 3d interleaves the paths
/// command by command as 3a does; 3e drives the pipelined sessions of 3b from one epoll loop. Both read the
/// proxy's own CPU time per command around the measured commands, which holds on a loaded machine where the
/// latencies and rates do not.
/// </summary>
internal static class CLoad
{
    public static Dictionary<BenchPath, List<CLoadRun>> Interleaved(BenchContext context, IReadOnlyList<BenchPath> paths)
    {
        var settings = context.Settings;
        var results = paths.ToDictionary(p => p, _ => new List<CLoadRun>());
        for (var run = -settings.Warmups; run < settings.Runs; run++)
        {
            string[] args = ["interleaved", settings.NoopCount.ToString(CultureInfo.InvariantCulture), paths[0].User, BenchContext.Password, .. paths.Select(Target)];
            var lines = Execute(context, args, paths.Count);
            if (run < 0)
            {
                continue;
            }

            for (var j = 0; j < paths.Count; j++)
            {
                var f = lines[j];
                results[paths[j]].Add(new CLoadRun(f[0], f[1], double.NaN, f[2], f[3]));
            }

            Console.Error.WriteLine($"  cload interleaved: run {run + 1}/{settings.Runs} done");
        }

        return results;
    }

    public static CLoadRun Pipelined(BenchContext context, BenchPath path)
    {
        var s = context.Settings;
        string[] args =
        [
            "pipelined", .. new[] { s.PipelineSessions, s.PipelineDepth, s.PipelineRounds }.Select(v => v.ToString(CultureInfo.InvariantCulture)),
            path.User, BenchContext.Password, Target(path),
        ];
        var f = Execute(context, args, 1)[0];
        return new CLoadRun(double.NaN, double.NaN, f[0], f[1], f[2]);
    }

    /// <summary>PORT@PID,PID,...: the client reads the path's processes' schedstat itself, around the measured commands only.</summary>
    private static string Target(BenchPath path)
    {
        var port = path.Endpoint().Port.ToString(CultureInfo.InvariantCulture);
        return path.Processes is null ? port : $"{port}@{string.Join(',', path.Processes())}";
    }

    private static double[][] Execute(BenchContext context, string[] args, int lines)
    {
        var binary = Path.Combine(context.Repo, "bench", "cload", "bin", "cload");
        var (code, output) = Os.Run(binary, args);
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (code != 0 || rows.Length != lines)
        {
            throw new BenchException($"bench/cload {args[0]} exited {code}: {output.Trim()}");
        }

        return [.. rows.Select(r => r.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())];
    }

    public static string ToMarkdown(Dictionary<BenchPath, List<CLoadRun>> interleaved, Dictionary<BenchPath, List<CLoadRun>> pipelined, BenchSettings settings)
    {
        var md = new StringBuilder();
        md.AppendLine("### 3d and 3e. NOOP, interleaved and pipelined, from a C client");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"`bench/cload` (C, raw sockets, one epoll loop): 3d is 3a's interleaving, {settings.NoopCount:N0} NOOPs per path per run after 500 untimed, the paths taking turns command by command; 3e is 3b's load, {settings.PipelineSessions} sessions × {settings.PipelineRounds} batches of {settings.PipelineDepth} pipelined NOOPs. {settings.Runs} run(s) per path after {settings.Warmups} warm-up run(s); medians. CPU and runs: the proxy's threads' time on a CPU and how often one was put on a CPU, per command, read before and after the measured commands, thread by thread (`/proc/PID/task/*/schedstat`; nginx: master and workers; a thread that ended meanwhile counts nothing).");
        md.AppendLine();
        md.AppendLine("| path | 3d p50 (µs) | 3d p99 (µs) | 3d added at p50 (µs) | 3d proxy CPU per NOOP (µs) | 3d runs per NOOP | 3e commands/s | 3e × direct | 3e proxy CPU per command (µs) | 3e runs per command |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var direct = Find(interleaved, "direct") is { } d ? Report.Median(d.Select(r => r.P50)) : double.NaN;
        var directRate = Find(pipelined, "direct") is { } dr ? Report.Median(dr.Select(r => r.CommandsPerSecond)) : double.NaN;
        foreach (var path in interleaved.Keys.Union(pipelined.Keys))
        {
            var i = interleaved.GetValueOrDefault(path) ?? [];
            var p = pipelined.GetValueOrDefault(path) ?? [];
            var p50 = Report.Median(i.Select(r => r.P50));
            var rate = Report.Median(p.Select(r => r.CommandsPerSecond));
            var added = path.Name == "direct" ? "–" : Cell(p50 - direct, "0");
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {path.Name} | {Cell(p50, "0")} | {Cell(Report.Median(i.Select(r => r.P99)), "0")} | {added} | {Cell(Report.Median(i.Select(r => r.CpuMicros)), "0.0")} | {Cell(Report.Median(i.Select(r => r.RunsPerCommand)), "0.00")} | {Cell(rate, "N0")} | {Cell(rate / directRate, "0.00")} | {Cell(Report.Median(p.Select(r => r.CpuMicros)), "0.00")} | {Cell(Report.Median(p.Select(r => r.RunsPerCommand)), "0.000")} |");
        }

        var fd = Find(pipelined, "FrontDoor");
        var nginx = Find(pipelined, "nginx");
        if (fd is { Count: > 0 } && nginx is { Count: > 0 })
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"3e, FrontDoor over nginx: CPU per pipelined command **{Cell(Report.Median(fd.Select(r => r.CpuMicros)) / Report.Median(nginx.Select(r => r.CpuMicros)), "0.00")} ×**, commands/s {Cell(Report.Median(fd.Select(r => r.CommandsPerSecond)) / Report.Median(nginx.Select(r => r.CommandsPerSecond)), "0.00")} ×. Runs, FrontDoor CPU µs per command: {string.Join(", ", fd.Select(r => r.CpuMicros.ToString("0.00", CultureInfo.InvariantCulture)))}; nginx: {string.Join(", ", nginx.Select(r => r.CpuMicros.ToString("0.00", CultureInfo.InvariantCulture)))}.");
        }

        md.AppendLine();
        return md.ToString();
    }

    private static List<CLoadRun>? Find(Dictionary<BenchPath, List<CLoadRun>> results, string prefix) =>
        results.FirstOrDefault(r => r.Key.Name.StartsWith(prefix, StringComparison.Ordinal)).Value;

    private static string Cell(double value, string format) => double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);
}
