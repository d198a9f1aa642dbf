using System.Diagnostics;
using System.Globalization;
using FrontDoor.Bench;

// FrontDoor's cost against a direct connection and against nginx's mail proxy. Run through ./bench.sh,
// which installs what is missing, builds, raises the file limit and writes bench/RESULTS.md.
//
//   FrontDoor.Bench --repo DIR --work DIR --frontdoor BIN --out FILE [--smoke]
//                   [--nginx BIN] [--nginx-module SO] [--file-limit N] [--preauth N] [--auth N] [--no-micro]
//                   [--minimap BIN]
//                   [--only fetch,append,noop,pynoop,pipelined,cload,memory,memory-preauth,memory-auth,compress,alloc,micro,
//                           directory,scale,scale-preauth,scale-auth,scale-inprocess,logins,login-alloc]
// FrontDoor runs in this process for scenarios 5, 7 (directory), 8b and 10: as its executable does
// (src/FrontDoor/Program.cs), socket continuations run inline, set before the first socket exists. Without it
// the in-process FrontDoor ran every continuation through the thread pool, a mode no deployment runs unless its
// operator asks (8b read 4.3-4.6 KB of garbage per login, against 3.5 KB for the executable; bench/README.md).
// The bench's own .NET clients run inline too, on every path alike.
FrontDoor.Core.Protocol.InlineSocketCompletions.PreferUnlessSet();
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var options = new Dictionary<string, string>(StringComparer.Ordinal);
var flags = new HashSet<string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (args[i] is "--smoke" or "--no-micro")
    {
        flags.Add(args[i]);
    }
    else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
    {
        options[args[i]] = args[++i];
    }
    else
    {
        Console.Error.WriteLine($"FrontDoor.Bench: unknown argument '{args[i]}'");
        return 2;
    }
}

string Required(string name) => options.TryGetValue(name, out var value) ? value : throw new ArgumentException($"{name} is required");
int Number(string name, int fallback) => options.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

BenchContext context;
string output;
try
{
    var fileLimit = Number("--file-limit", 20000);
    var settings = flags.Contains("--smoke")
        ? BenchSettings.SmokeRun()
        : BenchSettings.Full(Number("--preauth", 10_000), Number("--auth", 2_000));
    if (flags.Contains("--no-micro"))
    {
        settings = settings with { Micro = false };
    }

    var frontDoor = Path.GetFullPath(Required("--frontdoor"));
    context = new BenchContext
    {
        Repo = Path.GetFullPath(Required("--repo")),
        Work = Path.GetFullPath(Required("--work")),
        FrontDoorBinary = frontDoor,
        PluginDirectory = Path.Combine(Path.GetDirectoryName(frontDoor)!, "plugins"),
        NginxBinary = options.GetValueOrDefault("--nginx", "/usr/sbin/nginx"),
        NginxMailModule = options.GetValueOrDefault("--nginx-module", "/usr/lib/nginx/modules/ngx_mail_module.so"),
        FileLimit = fileLimit,
        Settings = settings,
        MinimapBinary = options.TryGetValue("--minimap", out var minimap) ? Path.GetFullPath(minimap) : null,
    };
    output = Required("--out");
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"FrontDoor.Bench: {ex.Message}");
    return 2;
}

Console.CancelKeyPress += (_, _) => Cleanup.RunAll();
AppDomain.CurrentDomain.ProcessExit += (_, _) => Cleanup.RunAll();

var total = Stopwatch.StartNew();
var only = options.TryGetValue("--only", out var onlyList) ? onlyList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase) : null;
bool Want(string scenario) => only is null || only.Contains(scenario);
void Step(string text) => Console.Error.WriteLine($"[{total.Elapsed:mm\\:ss}] {text}");

var settingsUsed = context.Settings;
var report = new Report(settingsUsed);
try
{
    Step($"generating a {settingsUsed.MessageSizeText} message");
    context.Message = Scenarios.MakeMessage(settingsUsed.MessageSize);

    Step("starting Dovecot (scripts/dovecot-instance.sh, with the bench's limits appended)");
    context.Dovecot = DovecotInstance.Start(context.Repo, Path.Combine(context.Work, "dovecot"), settingsUsed.AuthSessions,
        $"{BenchContext.User}:{BenchContext.Password}", $"{BenchContext.SyncUser}:{BenchContext.Password}");
    Scenarios.Prepare(context);

    if (Want("fetch") || Want("append") || Want("noop") || Want("pynoop") || Want("pipelined") || Want("cload"))
    using (var frontDoor = FrontDoorProcess.Start(context, "main"))
    using (var nginx = NginxProcess.Start(context, "main"))
    {
        var direct = new BenchPath("direct", () => context.Dovecot.Endpoint, BenchContext.User);
        var viaFrontDoor = new BenchPath("FrontDoor", () => frontDoor.Endpoint, BenchContext.User, () => [frontDoor.Pid]);
        var viaFrontDoorSync = new BenchPath("FrontDoor", () => frontDoor.Endpoint, BenchContext.SyncUser);
        var viaNginx = new BenchPath("nginx mail proxy", () => nginx.Endpoint, BenchContext.User, () => [nginx.Pid, .. Os.Children(nginx.Pid)]);
        BenchPath[] three = [direct, viaFrontDoor, viaNginx];

        report.Paths = three;
        if (Want("fetch"))
        {
            Step($"1. FETCH BODY[] of {settingsUsed.MessageSizeText}, {settingsUsed.Runs} runs per path");
            report.Fetch = Scenarios.Alternate(three, settingsUsed.Warmups, settingsUsed.Runs, "FETCH", p => Scenarios.Fetch(context, p));
        }

        if (Want("append"))
        {
        Step($"2. APPEND of {settingsUsed.MessageSizeText}");
        AppendPath[] appends =
        [
            new("direct-sync", direct, "{N}", false),
            new("direct-plus", direct, "{N+}", true),
            new("fd-sync", viaFrontDoor, "{N}", false, "literalPlus=passthrough"),
            new("fd-plus", viaFrontDoor, "{N+}", true, "literalPlus=passthrough"),
            new("fd-convert", viaFrontDoorSync, "{N+}", true, "literalPlus=synchronize: the backend gets {N}"),
            new("nginx-sync", viaNginx, "{N}", false),
            new("nginx-plus", viaNginx, "{N+}", true),
        ];
        report.Append = Scenarios.Alternate(appends, settingsUsed.Warmups, settingsUsed.Runs, "APPEND", a => Scenarios.Append(context, a.Path, a.NonSynchronizing));
        }

        if (Want("noop"))
        {
            Step($"3a. NOOP latency, {settingsUsed.NoopCount} round trips on one session per path, the paths taking turns");
            report.Latency = Scenarios.NoopLatency(context, three);
        }

        if (Want("pynoop"))
        {
            Step($"3c. NOOP latency from bench/noop_loop.py, {SequentialNoop.Count(settingsUsed)} sequential NOOPs per session, paths alternating");
            SequentialNoop.WarmUp(context, three);
            var sequential = Scenarios.Alternate(three, settingsUsed.Warmups, SequentialNoop.Runs(settingsUsed), "sequential NOOP", p => SequentialNoop.Measure(context, p));
            report.Sections.Add(SequentialNoop.ToMarkdown(sequential, settingsUsed));
        }

        if (Want("pipelined"))
        {
            Step($"3b. {settingsUsed.PipelineSessions} sessions x {settingsUsed.PipelineDepth} pipelined NOOPs x {settingsUsed.PipelineRounds} rounds");
            report.Pipelined = Scenarios.Alternate(three, settingsUsed.Warmups, settingsUsed.Runs, "pipelined NOOP", p => Scenarios.Pipelined(context, p));
        }

        if (Want("cload"))
        {
            Step($"3d. NOOP latency from bench/cload, {settingsUsed.NoopCount} round trips per path, the paths taking turns");
            var interleaved = CLoad.Interleaved(context, three);
            Step($"3e. bench/cload: {settingsUsed.PipelineSessions} sessions x {settingsUsed.PipelineDepth} pipelined NOOPs x {settingsUsed.PipelineRounds} rounds");
            var pipelined = Scenarios.Alternate(three, settingsUsed.Warmups, settingsUsed.Runs, "cload pipelined NOOP", p => CLoad.Pipelined(context, p));
            report.Sections.Add(CLoad.ToMarkdown(interleaved, pipelined, settingsUsed));
        }
    }

    Step($"4. memory: {settingsUsed.PreAuthConnections} idle pre-auth connections, {settingsUsed.AuthSessions} idle logged-in sessions, fresh proxies each run");
    var runIndex = 0;
    var proxies = new (string Name, Func<ServerProcess> Start)[]
    {
        ("FrontDoor", () => FrontDoorProcess.Start(context, $"mem{runIndex}")),
        ("nginx mail proxy", () => NginxProcess.Start(context, $"mem{runIndex}")),
    };
    foreach (var (state, count, login) in new[] { ("pre-auth (greeted)", settingsUsed.PreAuthConnections, false), ("logged in", settingsUsed.AuthSessions, true) })
    {
        if (!Want(login ? "memory-auth" : "memory-preauth") && !Want("memory"))
        {
            continue;
        }

        var samples = Scenarios.Alternate(proxies.Select(p => p.Name).ToArray(), 0, settingsUsed.MemoryRuns, $"memory {state}", name =>
        {
            runIndex++;
            return Memory.Measure(proxies.First(p => p.Name == name).Start, count, login, settingsUsed.MemorySettleMs, settingsUsed.MemoryIdleMs);
        });
        report.Memory.Add((state, count, samples));
    }

    if (Want("compress"))
    {
        Step($"6. COMPRESS=DEFLATE: FETCH of {CompressionBench.Messages} text messages and idle compressed sessions, per window / memLevel");
        CompressionBench.Prepare(context);
        var sessions = settingsUsed.Smoke ? 10 : 300;
        var variant = 0;
        foreach (var v in CompressionBench.Variants)
        {
            using (var frontDoor = FrontDoorProcess.Start(context, $"compress{variant}", v.ListenerAttributes))
            {
                var fetches = settingsUsed.Smoke ? 1 : 3;
                CompressionBench.Fetch(frontDoor, v.Compress, 1);
                var samples = Enumerable.Range(0, settingsUsed.Runs).Select(_ => CompressionBench.Fetch(frontDoor, v.Compress, fetches)).ToList();
                report.CompressFetch[v] = samples;
            }

            report.CompressIdle[v] = [.. Enumerable.Range(0, settingsUsed.MemoryRuns).Select(run =>
                CompressionBench.IdleBytesPerSession(() => FrontDoorProcess.Start(context, $"compress{variant}-mem{run}", v.ListenerAttributes), v.Compress, sessions, settingsUsed.MemorySettleMs))];
            report.CompressSessions = sessions;
            variant++;
        }
    }

    foreach (var login in new[] { false, true })
    {
        if (!Want("scale") && !Want(login ? "scale-auth" : "scale-preauth"))
        {
            continue;
        }

        var cuts = Scale.Counts(context, login);
        Step($"7. {(login ? "logged-in sessions" : "pre-auth connections")} in front of minimap: {string.Join(", ", cuts.Select(c => c.Run))}");
        var samples = new List<ScaleSample>();
        foreach (var (_, count) in cuts)
        {
            foreach (var proxy in new[] { "FrontDoor", "nginx mail proxy" })
            {
                samples.Add(Scale.Measure(context, proxy, count, login, ++runIndex));
                Console.Error.WriteLine($"  {proxy}, {count}: {samples[^1].BytesPerConnection:N0} B per connection, opened in {samples[^1].OpenSeconds:0.0} s");
            }
        }

        report.Sections.Add(Scale.ToMarkdown(samples, [.. cuts.Select(c => (login, c.Asked, c.Run))], context.FileLimit, settingsUsed.MessageSizeText));
    }

    if (Want("scale-inprocess"))
    {
        Step($"10. logged-in sessions in this process on the in-memory transport: {string.Join(", ", InProcessScale.Counts(settingsUsed))}");
        report.Sections.Add(await InProcessScale.MeasureAsync(context, Console.Error.WriteLine));
    }

    var loginRates = new Dictionary<string, List<double>>();
    if (Want("logins"))
    {
        Step($"8. logins per second, {Logins.Clients(settingsUsed)} clients logging in and out, against minimap");
        using var minimap = MinimapProcess.Start(context, "logins", 4);
        using var frontDoor = FrontDoorProcess.Start(context, "logins", config: listen => minimap.FrontDoorConfig(context, listen));
        using var nginx = NginxProcess.Start(context, "logins", minimap.Ports[0]);
        var loginPaths = new (string Name, System.Net.IPEndPoint Endpoint)[] { ("direct", minimap.Endpoint), ("FrontDoor", frontDoor.Endpoint), ("nginx mail proxy", nginx.Endpoint) };
        var rates = Scenarios.Alternate(loginPaths.Select(p => p.Name).ToArray(), settingsUsed.Smoke ? 0 : 1, settingsUsed.Smoke ? 1 : 3, "logins",
            name => Logins.Measure(loginPaths.First(p => p.Name == name).Endpoint, settingsUsed));
        foreach (var (name, _) in loginPaths)
        {
            loginRates[name] = rates[name];
        }
    }

    if (Want("alloc"))
    {
        Step("5b. allocations per relayed command, FrontDoor in-process");
        report.Allocations = await RelayAllocations.MeasureAsync(context);
    }

    if (Want("login-alloc"))
    {
        Step("8b. garbage per login by type, FrontDoor in-process, and the sockets' own floor");
        report.Sections.Add(await LoginAllocations.MeasureAsync(context));
    }

    if (Want("directory"))
    {
        Step("7. directory routing: login latency, re-route propagation over 3 nodes, idle queries (slapd)");
        report.Sections.Add(await DirectoryBench.MeasureAsync(context, settingsUsed.Smoke ? 10 : 300, settingsUsed.Smoke ? 3 : 60, TimeSpan.FromSeconds(settingsUsed.Smoke ? 2 : 20)));
    }

    if (settingsUsed.Micro && Want("micro"))
    {
        Step($"5a. BenchmarkDotNet: the framer ({(settingsUsed.Smoke ? "Dry" : "ShortRun")} job, in-process)");
        report.Micro = Micro.Run(context);
    }

    if (loginRates.Count > 0)
    {
        report.Sections.Add(Logins.ToMarkdown(loginRates, report.Allocations, settingsUsed));
    }

    Step("done");
}
catch (Exception ex) when (ex is BenchException or IOException or System.Net.Sockets.SocketException or AggregateException or InvalidOperationException)
{
    var messages = ex is AggregateException aggregate
        ? aggregate.Flatten().InnerExceptions.Select(e => e.Message).Distinct()
        : [ex.Message];
    Console.Error.WriteLine($"FrontDoor.Bench: FAILED: {string.Join("; ", messages)}");
    Console.Error.WriteLine(ex.StackTrace);
    context.Dovecot?.Dispose();
    Cleanup.RunAll();
    return 1;
}

context.Dovecot.Dispose();
Cleanup.RunAll();
var markdown = report.ToMarkdown();
await File.WriteAllTextAsync(output, markdown);
Console.Out.Write(markdown);
return 0;

internal sealed record AppendPath(string Id, BenchPath Path, string Literal, bool NonSynchronizing, string Note = "")
{
    public override string ToString() => Note.Length > 0 ? $"{Path.Name} {Literal} ({Note})" : $"{Path.Name} {Literal}";
}
