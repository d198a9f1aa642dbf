using System.Globalization;
using System.Text;

namespace FrontDoor.Bench;

/// <summary>The markdown tables: medians over the alternating runs, ratios to direct, and the targets.</summary>
internal sealed class Report
{
    private const double MiB = 1024 * 1024;
    private readonly BenchSettings _settings;

    public Report(BenchSettings settings)
    {
        _settings = settings;
    }

    public IReadOnlyList<BenchPath> Paths { get; set; } = [];

    public Dictionary<BenchPath, List<double>> Fetch { get; set; } = [];

    public Dictionary<AppendPath, List<double>> Append { get; set; } = [];

    public Dictionary<BenchPath, List<(double P50, double P99)>> Latency { get; set; } = [];

    public Dictionary<BenchPath, List<double>> Pipelined { get; set; } = [];

    public List<(string State, int Count, Dictionary<string, List<MemorySample>> Samples)> Memory { get; } = [];

    public List<AllocationSample> Allocations { get; set; } = [];

    public Dictionary<CompressVariant, List<CompressFetchSample>> CompressFetch { get; } = [];

    public Dictionary<CompressVariant, List<double>> CompressIdle { get; } = [];

    public int CompressSessions { get; set; }

    public List<MicroResult> Micro { get; set; } = [];

    /// <summary>Sections rendered by their scenarios (3c, 6, 7), placed before the targets.</summary>
    public List<string> Sections { get; } = [];

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        var targets = new List<(string Target, string Measured, bool? Met)>();
        var size = _settings.MessageSize;
        var runs = _settings.Runs;
        if (_settings.Smoke)
        {
            md.AppendLine("**Smoke run**: tiny sizes, one run; it checks that every path and every scenario works. Its figures measure nothing.");
            md.AppendLine();
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"Every scenario reaches the same Dovecot three ways in one run: **direct**, **through FrontDoor** (the Release executable in its own process, config with two backends on that Dovecot: `pass` with `literalPlus=\"passthrough\"`, the default route, and `sync` with `literalPlus=\"synchronize\"`) and **through nginx's mail proxy**. Runs alternate between the ways, each round starting with the next way: {runs} measured run{(runs == 1 ? "" : "s")} per way after {_settings.Warmups} warm-up round for scenarios 1-3, {_settings.MemoryRuns} per proxy for scenario 4. Figures are medians over the runs; ratios are taken between medians.");
        md.AppendLine();

        if (Fetch.Count > 0)
        {
            // 1. FETCH
            var directFetch = Median(Fetch.First(kv => kv.Key.Name == "direct").Value);
            md.AppendLine(CultureInfo.InvariantCulture, $"### 1. FETCH BODY[] of a {_settings.MessageSizeText} message");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Each run logs in, EXAMINEs INBOX and fetches the message {_settings.FetchesPerRun} time(s) back to back; time per FETCH from the command to the tagged OK.");
            md.AppendLine();
            md.AppendLine("| path | MiB/s | time (ms) | time × direct | runs (MiB/s) |");
            md.AppendLine("|---|---:|---:|---:|---|");
            foreach (var (path, times) in Fetch)
            {
                var median = Median(times);
                md.AppendLine(CultureInfo.InvariantCulture, $"| {path.Name} | {size / MiB / median:0} | {median * 1000:0.0} | {median / directFetch:0.00} | {string.Join(", ", times.Select(t => (size / MiB / t).ToString("0", CultureInfo.InvariantCulture)))} |");
            }

            md.AppendLine();
            var fdFetch = Median(Fetch.First(kv => kv.Key.Name == "FrontDoor").Value);
            var nginxFetch = Median(Fetch.First(kv => kv.Key.Name.StartsWith("nginx", StringComparison.Ordinal)).Value);
            targets.Add(("1. FETCH: FrontDoor ≤ 1.05 × direct", $"{fdFetch / directFetch:0.00} ×", fdFetch / directFetch <= 1.05));
            targets.Add(("1. FETCH: FrontDoor ≥ nginx throughput", $"{size / MiB / fdFetch:0} vs {size / MiB / nginxFetch:0} MiB/s", fdFetch <= nginxFetch));
        }

        if (Append.Count > 0)
        {
            // 2. APPEND
            var directAppend = Median(Append.First(kv => kv.Key.Id == "direct-sync").Value);
            md.AppendLine(CultureInfo.InvariantCulture, $"### 2. APPEND of a {_settings.MessageSizeText} message");
            md.AppendLine();
            md.AppendLine("Time from the first octet of the command to the tagged OK (a `{N}` literal includes the wait for `+`).");
            md.AppendLine();
            md.AppendLine("| path | literal | MiB/s | time (ms) | time × direct {N} | runs (MiB/s) |");
            md.AppendLine("|---|---|---:|---:|---:|---|");
            foreach (var (path, times) in Append)
            {
                var median = Median(times);
                var note = path.Note.Length > 0 ? $", {path.Note}" : string.Empty;
                md.AppendLine(CultureInfo.InvariantCulture, $"| {path.Path.Name}{note} | `{path.Literal}` | {size / MiB / median:0} | {median * 1000:0.0} | {median / directAppend:0.00} | {string.Join(", ", times.Select(t => (size / MiB / t).ToString("0", CultureInfo.InvariantCulture)))} |");
            }

            md.AppendLine();
            double AppendMedian(string id) => Median(Append.First(kv => kv.Key.Id == id).Value);
            var fdPass = AppendMedian("fd-plus");
            var fdSync = AppendMedian("fd-convert");
            var fdPlain = AppendMedian("fd-sync");
            var nginxPlus = AppendMedian("nginx-plus");
            var nginxPlain = AppendMedian("nginx-sync");
            targets.Add(("2. APPEND `{N+}` passthrough: FrontDoor ≤ 1.05 × direct `{N}`", $"{fdPass / directAppend:0.00} ×", fdPass / directAppend <= 1.05));
            targets.Add(("2. APPEND `{N+}` synchronize (the conversion): ≤ 1.05 × direct `{N}`", $"{fdSync / directAppend:0.00} ×", fdSync / directAppend <= 1.05));
            targets.Add(("2. APPEND: FrontDoor ≥ nginx throughput (`{N+}`; `{N}`)", $"{size / MiB / fdPass:0} vs {size / MiB / nginxPlus:0}; {size / MiB / fdPlain:0} vs {size / MiB / nginxPlain:0} MiB/s", fdPass <= nginxPlus && fdPlain <= nginxPlain));
        }

        if (Latency.Count > 0 && Pipelined.Count > 0)
        {
            // 3. NOOP
            var directP50 = Median(Latency.First(kv => kv.Key.Name == "direct").Value.Select(v => v.P50));
            var directRate = Median(Pipelined.First(kv => kv.Key.Name == "direct").Value);
            md.AppendLine("### 3. NOOP");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Latency: {_settings.NoopCount:N0} round trips per run, one command at a time, on one logged-in session per path; the three sessions take turns command by command, so load from elsewhere on the machine hits every path alike (per run: p50 and p99; the table gives their medians over the runs). Throughput: {_settings.PipelineSessions} logged-in sessions at once, each sending {_settings.PipelineRounds} batches of {_settings.PipelineDepth} pipelined NOOPs and reading every answer before the next batch.");
            md.AppendLine();
            md.AppendLine("| path | p50 (µs) | p99 (µs) | added at p50 (µs) | p50 × direct | pipelined commands/s | × direct |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var path in Paths)
            {
                var p50 = Median(Latency[path].Select(v => v.P50));
                var p99 = Median(Latency[path].Select(v => v.P99));
                var rate = Median(Pipelined[path]);
                md.AppendLine(CultureInfo.InvariantCulture, $"| {path.Name} | {p50:0} | {p99:0} | {(path.Name == "direct" ? "–" : (p50 - directP50).ToString("0", CultureInfo.InvariantCulture))} | {p50 / directP50:0.00} | {rate:N0} | {rate / directRate:0.00} |");
            }

            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Runs, p50 µs: {RunsOf(Latency, v => v.P50)}; pipelined commands/s: {RunsOf(Pipelined, v => v)}.");
            md.AppendLine();
            var fdP50 = Median(Latency.First(kv => kv.Key.Name == "FrontDoor").Value.Select(v => v.P50));
            var fdRate = Median(Pipelined.First(kv => kv.Key.Name == "FrontDoor").Value);
            var nginxRate = Median(Pipelined.First(kv => kv.Key.Name.StartsWith("nginx", StringComparison.Ordinal)).Value);
            targets.Add(("3. NOOP: ≤ 30 µs added at p50", $"{fdP50 - directP50:0} µs", fdP50 - directP50 <= 30));
            targets.Add(("3. pipelined NOOPs: FrontDoor ≥ nginx throughput", $"{fdRate:N0} vs {nginxRate:N0} commands/s", fdRate >= nginxRate));
        }

        if (Memory.Count > 0)
        {
            // 4. Memory
            md.AppendLine("### 4. Memory of idle connections");
            md.AppendLine();
            md.AppendLine("Each run starts a fresh proxy, warms the measured path up (50 connections, closed), reads its RSS (`VmRSS`; for nginx the master's plus the workers'), opens the connections, waits a few seconds and reads it again. Bytes per connection = RSS difference / connections.");
            md.AppendLine();
            md.AppendLine("| proxy | connections | state | RSS before (MiB) | RSS after (MiB) | bytes per connection | runs (bytes per connection) |");
            md.AppendLine("|---|---:|---|---:|---:|---:|---|");
            foreach (var (state, count, samples) in Memory)
            {
                foreach (var (proxy, list) in samples)
                {
                    md.AppendLine(CultureInfo.InvariantCulture, $"| {proxy} | {count:N0} | {state} | {Median(list.Select(s => (double)s.Before)) / MiB:0.0} | {Median(list.Select(s => (double)s.After)) / MiB:0.0} | {Median(list.Select(s => s.BytesPerSession)):N0} | {string.Join(", ", list.Select(s => s.BytesPerSession.ToString("N0", CultureInfo.InvariantCulture)))} |");
                }
            }

            md.AppendLine();
            var authenticated = Memory.FirstOrDefault(m => m.State == "logged in");
            if (authenticated.Samples is not null)
            {
                var perSession = Median(authenticated.Samples["FrontDoor"].Select(s => s.BytesPerSession));
                targets.Add(("4. ≤ 16 KiB (16,384 B) per idle logged-in session", $"{perSession:N0} B", perSession <= 16 * 1024));
            }
        }

        // 5. Micro and allocations
        if (Micro.Count > 0 || Allocations.Count > 0)
        {
            md.AppendLine("### 5. The framer and the relay's allocations");
            md.AppendLine();
        }

        if (Micro.Count > 0)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"BenchmarkDotNet {(_settings.Smoke ? "Dry" : "ShortRun")} job, in-process toolchain, `[MemoryDiagnoser]`; `FrontDoor.Core.Protocol.ImapFramer` reading pipe-like buffers (16 KiB segments).");
            md.AppendLine();
            md.AppendLine("| benchmark | per operation | throughput | allocated per operation |");
            md.AppendLine("|---|---:|---:|---:|");
            foreach (var result in Micro)
            {
                var (what, throughput) = result.Name switch
                {
                    nameof(FramerBenchmarks.CommandLine) => ("command line (64 octets), one buffer", $"{1e9 / result.MedianNs / 1e6:0.0} M lines/s"),
                    nameof(FramerBenchmarks.CommandLineSegmented) => ("command line (64 octets), 16 KiB segments", $"{1e9 / result.MedianNs / 1e6:0.0} M lines/s"),
                    nameof(FramerBenchmarks.FetchResponse1KiB) => ("FETCH response with a 1 KiB literal", $"{1e9 / result.MedianNs / 1e6:0.00} M responses/s"),
                    nameof(FramerBenchmarks.Literal1MiB) => ("APPEND line + 1 MiB literal in 64 segments (octets are sliced, never read)", $"{FramerBenchmarks.LiteralSize / MiB * 1e9 / result.MedianNs / 1024:N0} GiB/s of literal octets; {result.MedianNs / (FramerBenchmarks.LiteralSize / (16 * 1024)):0.0} ns per segment"),
                    _ => (result.Name, string.Empty),
                };
                md.AppendLine(CultureInfo.InvariantCulture, $"| {what} | {Duration(result.MedianNs)} | {throughput} | {(result.AllocatedPerOperation is { } a ? $"{a:N0} B" : "n/a")} |");
            }

            md.AppendLine();
        }

        if (Allocations.Count > 0)
        {
            md.AppendLine("Allocations per relayed command, whole relay path: a real FrontDoor host built in the bench process (`FrontDoorHost.Build`, the real plugins) relays NOOPs from an allocation-free raw client to the Dovecot; `GC.GetTotalAllocatedBytes(precise: true)` over all threads, after warm-up. The direct rows are the client's own share.");
            md.AppendLine();
            md.AppendLine("| path | pattern | commands (sessions) | bytes allocated | bytes per command (session) |");
            md.AppendLine("|---|---|---:|---:|---:|");
            foreach (var sample in Allocations)
            {
                var count = sample.Commands == 0 ? "–" : $"{sample.Commands:N0}{(sample.PerSession ? " sessions" : "")}";
                var per = sample.Commands == 0 ? "–" : sample.BytesPerCommand.ToString("N1", CultureInfo.InvariantCulture);
                md.AppendLine(CultureInfo.InvariantCulture, $"| {sample.Path} | {sample.Pattern} | {count} | {sample.Bytes:N0} | {per} |");
            }

            md.AppendLine();
            foreach (var pattern in Allocations.Where(a => !a.PerSession).Select(a => a.Pattern).Distinct())
            {
                var client = Allocations.First(a => a.Pattern == pattern && a.Path.StartsWith("direct", StringComparison.Ordinal)).BytesPerCommand;
                var relayed = Allocations.First(a => a.Pattern == pattern && a.Path.StartsWith("FrontDoor", StringComparison.Ordinal)).BytesPerCommand;
                var net = Math.Max(0, relayed - client);
                targets.Add(($"5. allocations per relayed command, {pattern} (goal 0)", $"{net:N1} B", net < 1));
            }
        }

        var framerAlloc = Micro.Where(m => m.AllocatedPerOperation is not null).Sum(m => m.AllocatedPerOperation!.Value);
        if (Micro.Count > 0)
        {
            targets.Add(("5. framer allocations per frame (goal 0)", $"{framerAlloc:N0} B", framerAlloc == 0));
        }

        if (CompressFetch.Count > 0)
        {
            CompressionReport.Append(md, CompressFetch, CompressIdle, CompressSessions, _settings.Runs, _settings.MemoryRuns);
        }

        foreach (var section in Sections)
        {
            md.Append(section);
        }

        // Targets
        md.AppendLine("### Targets");
        md.AppendLine();
        md.AppendLine("Reported, not asserted. A ratio is FrontDoor's median time over direct's (lower is better); throughput is compared between medians.");
        md.AppendLine();
        md.AppendLine("| target | measured | |");
        md.AppendLine("|---|---|---|");
        foreach (var (target, measured, met) in targets)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {target} | {measured} | {(met switch { true => "met", false => "**missed**", null => "" })} |");
        }

        return md.ToString();
    }

    private static string RunsOf<T>(Dictionary<BenchPath, List<T>> results, Func<T, double> select) =>
        string.Join("; ", results.Select(kv => $"{kv.Key.Name} {string.Join(", ", kv.Value.Select(v => select(v).ToString("0", CultureInfo.InvariantCulture)))}"));

    private static string Duration(double ns) => ns switch
    {
        < 1_000 => $"{ns:0.0} ns",
        < 1_000_000 => $"{ns / 1_000:0.00} µs",
        _ => $"{ns / 1_000_000:0.00} ms",
    };
}
