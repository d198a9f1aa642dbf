using System.Globalization;
using System.Text;

namespace FrontDoor.Bench;

/// <summary>
/// Scenario 3c: NOOP latency seen by a plain client that is not .NET (bench/noop_loop.py, raw sockets), one
/// session at a time: a whole session of sequential NOOPs per run, paths alternating run by run. Scenario
/// 3a interleaves the three paths command by command; bench/README.md says why the two views differ.
/// </summary>
internal static class SequentialNoop
{
    public static int Count(BenchSettings settings) => settings.Smoke ? 20 : 2_000;

    public static int Runs(BenchSettings settings) => settings.Smoke ? 1 : 5;

    public static (double P50, double P99) Measure(BenchContext context, BenchPath path)
    {
        var endpoint = path.Endpoint();
        var script = Path.Combine(context.Repo, "bench", "noop_loop.py");
        var (code, output) = Os.Run("python3", script, endpoint.Address.ToString(), endpoint.Port.ToString(CultureInfo.InvariantCulture),
            path.User, BenchContext.Password, Count(context.Settings).ToString(CultureInfo.InvariantCulture));
        var fields = output.Trim().Split(' ');
        if (code != 0 || fields.Length != 2)
        {
            throw new BenchException($"bench/noop_loop.py exited {code}: {output.Trim()}");
        }

        return (double.Parse(fields[0], CultureInfo.InvariantCulture), double.Parse(fields[1], CultureInfo.InvariantCulture));
    }

    public static string ToMarkdown(Dictionary<BenchPath, List<(double P50, double P99)>> results, BenchSettings settings)
    {
        var md = new StringBuilder();
        md.AppendLine("### 3c. NOOP, sequential, from a Python raw-socket client");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"`bench/noop_loop.py`: one session, {Count(settings):N0} NOOPs one at a time; {Runs(settings)} run(s) per path, the paths alternating run by run (not command by command as in 3a). Medians of the runs' p50 and p99.");
        md.AppendLine();
        md.AppendLine("| path | p50 (µs) | p99 (µs) | added at p50 (µs) | runs, p50 µs |");
        md.AppendLine("|---|---:|---:|---:|---|");
        var direct = results.FirstOrDefault(r => r.Key.Name == "direct").Value is { } d ? Report.Median(d.Select(v => v.P50)) : double.NaN;
        foreach (var (path, runs) in results)
        {
            var p50 = Report.Median(runs.Select(r => r.P50));
            var p99 = Report.Median(runs.Select(r => r.P99));
            var added = path.Name == "direct" ? "–" : (p50 - direct).ToString("0", CultureInfo.InvariantCulture);
            md.AppendLine(CultureInfo.InvariantCulture, $"| {path.Name} | {p50:0} | {p99:0} | {added} | {string.Join(", ", runs.Select(r => r.P50.ToString("0", CultureInfo.InvariantCulture)))} |");
        }

        md.AppendLine();
        return md.ToString();
    }
}
