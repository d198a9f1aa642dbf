using System.Net;
using FrontDoor.Core.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FrontDoor.Bench;

internal sealed record AllocationSample(string Path, string Pattern, int Commands, long Bytes, bool PerSession = false, TimeSpan Elapsed = default)
{
    public double BytesPerCommand => (double)Bytes / Commands;
}

/// <summary>
/// Scenario 5b: the whole relay path, in this process. A real FrontDoor host (the executable's own
/// wiring, the real plugins) relays NOOPs from an allocation-free client to the Dovecot; every byte this
/// process allocates meanwhile, on any thread, is counted. The same loops straight to Dovecot give the
/// client's own share (it should be 0).
/// </summary>
internal static class RelayAllocations
{
    public static async Task<List<AllocationSample>> MeasureAsync(BenchContext context)
    {
        // A directory of its own: FrontDoor watches its config file's directory, and the Dovecot's log in
        // the work directory grows at every login (that watch's garbage is the bench's, not a login's).
        var config = Path.Combine(Directory.CreateDirectory(Path.Combine(context.Work, "frontdoor-inprocess")).FullName, "frontdoor.config");
        await File.WriteAllTextAsync(config, FrontDoorProcess.Config(context, "127.0.0.1:0"));
        using var host = FrontDoorHost.Build(["--config", config, "--Logging:LogLevel:Default", "Warning"]);
        await host.StartAsync();
        try
        {
            var frontDoor = host.Services.GetRequiredService<ListenerService>().Endpoints["imap"];
            var samples = new List<AllocationSample>();
            var n = context.Settings.RelayCommands;
            foreach (var (name, endpoint) in new[] { ("direct (client only)", context.Dovecot.Endpoint), ("FrontDoor in-process", frontDoor) })
            {
                samples.Add(Measure(name, endpoint, n, depth: 1));
                samples.Add(Measure(name, endpoint, n, depth: 100));
            }

            // What the process allocates with no traffic at all, over as long as the one-at-a-time loop took.
            samples.Add(MeasureIdle(samples[^2].Elapsed));

            // The check that the count sees FrontDoor at all: a whole session does allocate.
            foreach (var (name, endpoint) in new[] { ("direct (client only)", context.Dovecot.Endpoint), ("FrontDoor in-process", frontDoor) })
            {
                samples.Add(MeasureSessions(name, endpoint, Math.Max(5, Math.Min(200, n / 100))));
            }

            return samples;
        }
        finally
        {
            await host.StopAsync(TimeSpan.FromSeconds(10));
        }
    }

    private static AllocationSample Measure(string name, IPEndPoint endpoint, int commands, int depth)
    {
        using var client = ImapClient.ConnectAndLogin(endpoint, BenchContext.User, BenchContext.Password, 64 * 1024);
        var batch = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("n NOOP\r\n", depth)));
        var rounds = Math.Max(1, commands / depth);

        // Warm up: JIT, tiering, pools, the pipes' segments.
        Run(client, batch, depth, Math.Max(1, rounds / 2));
        Thread.Sleep(200);
        Run(client, batch, depth, Math.Max(1, rounds / 4));

        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        Run(client, batch, depth, rounds);
        var after = GC.GetTotalAllocatedBytes(precise: true);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(start);
        client.Run("z", "LOGOUT");
        return new AllocationSample(name, depth == 1 ? "one at a time" : $"pipelined x{depth}", rounds * depth, after - before, Elapsed: elapsed);
    }

    private static AllocationSample MeasureIdle(TimeSpan duration)
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        Thread.Sleep(duration);
        var after = GC.GetTotalAllocatedBytes(precise: true);
        return new AllocationSample("FrontDoor in-process", $"no traffic for {duration.TotalSeconds:0.0} s", 0, after - before, PerSession: true, Elapsed: duration);
    }

    private static AllocationSample MeasureSessions(string name, IPEndPoint endpoint, int sessions)
    {
        for (var i = 0; i < 5; i++)
        {
            OneSession(endpoint);
        }

        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < sessions; i++)
        {
            OneSession(endpoint);
        }

        var after = GC.GetTotalAllocatedBytes(precise: true);
        return new AllocationSample(name, "connect, LOGIN, NOOP, LOGOUT", sessions, after - before, PerSession: true);
    }

    private static void OneSession(IPEndPoint endpoint)
    {
        using var client = ImapClient.ConnectAndLogin(endpoint, BenchContext.User, BenchContext.Password, 4096);
        client.Run("n", "NOOP");
        client.Run("z", "LOGOUT");
    }

    private static void Run(ImapClient client, byte[] batch, int depth, int rounds)
    {
        for (var round = 0; round < rounds; round++)
        {
            client.Send(batch);
            for (var i = 0; i < depth; i++)
            {
                client.ReadTaggedOk("n "u8);
            }
        }
    }
}
