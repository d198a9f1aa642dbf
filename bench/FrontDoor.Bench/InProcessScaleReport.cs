using System.Globalization;
using System.Runtime;
using System.Text;

namespace FrontDoor.Bench;

/// <summary>This process's memory after a full, aggressive collection: RSS, the live managed heap, what the GC has committed.</summary>
internal sealed record ProcessMemory(long Rss, long Heap, long Committed)
{
    public static ProcessMemory Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();

        // Aggressive: compacts every generation and gives back to the system what it can, so that memory a
        // previous row freed is not counted in this one's "before" RSS and then reused.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var heap = GC.GetTotalMemory(forceFullCollection: false);
        return new ProcessMemory(Os.Rss(Environment.ProcessId), heap, GC.GetGCMemoryInfo(GCKind.Any).TotalCommittedBytes);
    }
}

/// <summary>CPU of the whole process over an idle period (percent of one core), and the idle sweeper's ticks in it.</summary>
internal sealed record IdleSample(double CpuPercent, IReadOnlyList<TimeSpan> SweeperTicks)
{
    public string TicksText => SweeperTicks.Count == 0
        ? "none"
        : $"{SweeperTicks.Count}: {SweeperTicks.Average(t => t.TotalMicroseconds):0} / {SweeperTicks.Max(t => t.TotalMicroseconds):0}";
}

/// <param name="Registered">Sessions in FrontDoor's registry with the clients open (-1: no FrontDoor).</param>
/// <param name="BackendOpen">Connections the fake backend held with the clients open.</param>
internal sealed record InProcessSample(string Path, int Count, double OpenSeconds, ProcessMemory Before, ProcessMemory After, int Registered, int BackendOpen, int Errors)
{
    public IdleSample? IdleEmpty { get; init; }

    public IdleSample? IdleLoaded { get; init; }

    public (double Empty, double Loaded) FetchMs { get; init; }

    public (double Empty, double Loaded) AppendMs { get; init; }

    /// <summary>
    /// Once the clock jumped past the idle timeout: the longest sweeper tick, the longest wait for the
    /// sweeper's lock meanwhile (<see cref="WheelLockProbe"/>), and how long until every session had ended.
    /// </summary>
    public (TimeSpan LongestTick, TimeSpan LockWait, TimeSpan AllEnded) Expiry { get; init; }

    public double HeapPerSession => (double)(After.Heap - Before.Heap) / Count;

    public double RssPerSession => (double)(After.Rss - Before.Rss) / Count;

    public double CommittedPerSession => (double)(After.Committed - Before.Committed) / Count;
}

/// <summary>Scenario 10's tables.</summary>
internal static class InProcessScaleReport
{
    public static string ToMarkdown(List<InProcessSample> samples, BenchSettings settings, int fileLimit)
    {
        const double MiB = 1024 * 1024;
        var md = new StringBuilder();
        md.AppendLine("### 10. Logged-in sessions in one process, on the in-memory transport (not comparable to 7)");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"FrontDoor hosted in the bench process (`FrontDoorHost.Build`, the real plugins) with an in-memory listener (tests/Shared/InMemory: pipes instead of sockets, no descriptors) in front of an in-process FAKE backend (bench/FrontDoor.Bench/InMemoryFakeBackend.cs), because the descriptor limit here ({fileLimit:N0} per process) cuts scenario 7 to {(fileLimit - 1_000) / 2:N0} logged-in sessions. Real: FrontDoor's sessions, relays, session registry, idle sweeper, login path. Fake: the transport (two in-memory pairs per session stand where two sockets would be) and the backend. Clients log in as distinct users, {InMemorySessions.Concurrency} at a time, and then stay silent. Memory is the whole bench process's (clients, fake backend and FrontDoor), read after a full aggressive collection (`GCCollectionMode.Aggressive`: compacted, free memory given back) before and after opening; the row without FrontDoor is the harness's own share. GC: {(GCSettings.IsServerGC ? "server" : "workstation")}, the bench's defaults (not FrontDoor.runtimeconfig.json's 1 MiB gen0 budget).");
        md.AppendLine();
        md.AppendLine("| path | sessions | open time (s) | sessions/s | RSS before → after (MiB) | RSS per session (B) | managed heap before → after (MiB) | heap per session (B) | GC committed per session (B) | in FrontDoor's registry / open at the fake backend | errors |");
        md.AppendLine("|---|---:|---:|---:|---|---:|---|---:|---:|---|---:|");
        foreach (var s in samples)
        {
            var registered = s.Registered < 0 ? "–" : s.Registered.ToString("N0", CultureInfo.InvariantCulture);
            md.AppendLine(CultureInfo.InvariantCulture, $"| {s.Path} | {s.Count:N0} | {s.OpenSeconds:0.0} | {s.Count / s.OpenSeconds:N0} | {s.Before.Rss / MiB:0.0} → {s.After.Rss / MiB:0.0} | {s.RssPerSession:N0} | {s.Before.Heap / MiB:0.0} → {s.After.Heap / MiB:0.0} | {s.HeapPerSession:N0} | {s.CommittedPerSession:N0} | {registered} / {s.BackendOpen:N0} | {s.Errors} |");
        }

        md.AppendLine();
        foreach (var fd in samples.Where(s => s.Registered >= 0))
        {
            if (samples.FirstOrDefault(s => s.Registered < 0 && s.Count == fd.Count) is { } floor)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {fd.Count:N0} sessions, FrontDoor's share (its row less the row without it): {fd.HeapPerSession - floor.HeapPerSession:N0} B of managed heap and {fd.RssPerSession - floor.RssPerSession:N0} B of RSS per session, one in-memory pair (two `Pipe`s and their stream ends, in place of two sockets) included.");
            }
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Idle: the whole process's CPU (utime + stime from `/proc`, percent of one core; on a shared machine it includes noise) over {(settings.Smoke ? "1.1" : "10")} s with no session open and with them open, and the idle sweeper's real ticks meanwhile (FrontDoor's `TimeProvider` times each timer callback: count, mean / max µs). One more client over a real loopback socket to a second listener of the same FrontDoor, routed to minimap: FETCH BODY[] and APPEND {{N+}} of {settings.MessageSizeText}, median of 3 (ms), with no in-memory session open and with them open. Last, a tick over every session: FrontDoor's clock jumps 31 minutes (past the backends' idle timeout of 30), and the sweeper's next tick finds every session due and ends it with `* BYE Autologout` (the tick collects them under its lock and ends them outside it): that tick's duration, the longest a session starting or ending waited for the sweeper's lock meanwhile (a probe adds and removes an entry of its own about every millisecond), and the time from the jump until the registry is empty (the wait for the next tick, up to 1 s, included).");
        md.AppendLine();
        md.AppendLine("| sessions | idle CPU, none → open (% of a core) | sweeper ticks, none open | sweeper ticks, open | FETCH empty / loaded (ms) | APPEND empty / loaded (ms) | the tick that expires all (ms) | longest wait for its lock (ms) | all ended after (s) |");
        md.AppendLine("|---:|---|---|---|---|---|---:|---:|---:|");
        foreach (var s in samples.Where(s => s.IdleLoaded is not null))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {s.Count:N0} | {s.IdleEmpty!.CpuPercent:0.0} → {s.IdleLoaded!.CpuPercent:0.0} | {s.IdleEmpty.TicksText} | {s.IdleLoaded.TicksText} | {s.FetchMs.Empty:0.0} / {s.FetchMs.Loaded:0.0} ({s.FetchMs.Loaded / s.FetchMs.Empty:0.00}×) | {s.AppendMs.Empty:0.0} / {s.AppendMs.Loaded:0.0} ({s.AppendMs.Loaded / s.AppendMs.Empty:0.00}×) | {s.Expiry.LongestTick.TotalMilliseconds:0.0} | {s.Expiry.LockWait.TotalMilliseconds:0.0} | {s.Expiry.AllEnded.TotalSeconds:0.0} |");
        }

        md.AppendLine();
        return md.ToString();
    }
}
