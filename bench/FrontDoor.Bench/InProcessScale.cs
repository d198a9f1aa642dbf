using System.Diagnostics;
using System.Net;
using FrontDoor.Core.Backends;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Hosting;
using FrontDoor.Core.Sessions;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FrontDoor.Bench;

/// <summary>
/// Scenario 10: 100,000 logged-in sessions on one FrontDoor, hosted in this process on the in-memory
/// transport (pipes instead of sockets: this machine's hard limit of 20,000 descriptors per process cuts
/// scenario 7 to 9,500 sessions), in front of an in-process fake backend (<see cref="InMemoryFakeBackend"/>).
/// FrontDoor's own structures are real and the same as over sockets: the listener's accept loop, sessions,
/// relays, the session registry, the idle sweeper. One more client, over a real loopback socket to a
/// second listener of the same FrontDoor, runs FETCH and APPEND against a real backend (minimap) while they
/// are open. A row without FrontDoor (the same clients straight to the fake backend) gives the harness's
/// own share of the process.
/// </summary>
internal static class InProcessScale
{
    private const string MemoryListener = "memory";

    // The backends' idle timeout (the default, RFC 9051's minimum): the config sets none.
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(30);

    public static int[] Counts(BenchSettings settings) => settings.Smoke ? [200] : [10_000, 100_000];

    public static async Task<string> MeasureAsync(BenchContext context, Action<string> progress)
    {
        var settings = context.Settings;
        using var minimap = MinimapProcess.Start(context, "inprocess", 1);
        var backend = new InMemoryFakeBackend();
        var endpoint = backend.Listen();
        try
        {
            var samples = new List<InProcessSample>();
            foreach (var count in Counts(settings))
            {
                samples.Add(await MeasureWithoutFrontDoorAsync(backend, count, settings));
                progress($"  no FrontDoor, {count:N0}: {samples[^1].HeapPerSession:N0} B of heap per session");
                samples.Add(await MeasureFrontDoorAsync(context, minimap, backend, endpoint, count));
                progress($"  FrontDoor, {count:N0}: {samples[^1].HeapPerSession:N0} B of heap per session, opened in {samples[^1].OpenSeconds:0.0} s, {samples[^1].Errors} errors");
            }

            var errors = samples.Sum(s => s.Errors);
            if (settings.Smoke && errors > 0)
            {
                throw new BenchException($"scenario 10: {errors} errors (failed logins, sessions that heard something or ended)");
            }

            return InProcessScaleReport.ToMarkdown(samples, settings, context.FileLimit);
        }
        finally
        {
            backend.Stop(endpoint);
        }
    }

    /// <summary>The harness alone: each client's pair goes straight to the fake backend.</summary>
    private static async Task<InProcessSample> MeasureWithoutFrontDoorAsync(InMemoryFakeBackend backend, int count, BenchSettings settings)
    {
        DuplexPipeStream Connect()
        {
            var (client, server) = InMemoryPipePair.Create();
            _ = backend.ServeAsync(new DuplexPipeStream(server));
            return new DuplexPipeStream(client);
        }

        var before = ProcessMemory.Measure();
        var backendBefore = (backend.ClosedWithoutLogout, backend.Unknown);
        var watch = Stopwatch.StartNew();
        var sessions = await InMemorySessions.OpenAsync(Connect, count);
        var openSeconds = watch.Elapsed.TotalSeconds;
        try
        {
            await Task.Delay(settings.MemorySettleMs);
            var after = ProcessMemory.Measure();
            var errors = Errors(sessions, backend, backendBefore);
            return new InProcessSample("no FrontDoor (clients straight to the fake backend)", count, openSeconds, before, after, -1, backend.Open, errors);
        }
        finally
        {
            sessions.Dispose();
            await WaitUntilAsync(() => backend.Open == 0);
        }
    }

    private static async Task<InProcessSample> MeasureFrontDoorAsync(BenchContext context, MinimapProcess minimap, InMemoryFakeBackend backend, BackendEndpoint fake, int count)
    {
        var settings = context.Settings;
        var time = new TimedTimeProvider();
        var listeners = new InMemoryListenerFactory();
        var directory = Directory.CreateDirectory(Path.Combine(context.Work, $"frontdoor-inprocess-{count}")).FullName;
        var config = Path.Combine(directory, "frontdoor.config");
        await File.WriteAllTextAsync(config, Config(context, minimap, fake));
        using var host = FrontDoorHost.Build(["--config", config, "--Logging:LogLevel:Default", "Warning"], services =>
        {
            services.AddSingleton<TimeProvider>(time);
            services.AddSingleton<IConnectionListenerFactory>(sp => new MixedListenerFactory(listeners, ActivatorUtilities.CreateInstance<SocketListenerFactory>(sp), MemoryListener));
            services.AddSingleton<IBackendDialer>(new MixedBackendDialer(InMemoryBackends.Network, new TcpBackendDialer()));
        });
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<SessionRegistry>();
        InMemorySessions? sessions = null;
        try
        {
            var tcp = host.Services.GetRequiredService<ListenerService>().Endpoints["imap"];
            DuplexPipeStream Connect() => listeners.Connect(MemoryListener);

            // Warm up both paths (JIT, pools), then measure the extra client and the idle on an empty node.
            (await InMemorySessions.OpenAsync(Connect, Math.Min(50, count))).Dispose();
            await WaitUntilAsync(() => registry.Count == 0 && backend.Open == 0);
            await OnOwnThread(() => Scale.ExtraClient(context, tcp));
            var (fetchEmpty, appendEmpty) = await OnOwnThread(() => Scale.ExtraClient(context, tcp));
            var idleEmpty = await IdleAsync(time, settings);

            var before = ProcessMemory.Measure();
            var backendBefore = (backend.ClosedWithoutLogout, backend.Unknown);
            var watch = Stopwatch.StartNew();
            sessions = await InMemorySessions.OpenAsync(Connect, count);
            var openSeconds = watch.Elapsed.TotalSeconds;
            if (sessions.FirstFailure is { } failure)
            {
                Console.Error.WriteLine($"  {sessions.Failed} failed; the first: {failure}");
            }

            await Task.Delay(settings.MemorySettleMs);
            var after = ProcessMemory.Measure();
            var registered = registry.Count;
            var backendOpen = backend.Open;
            var idleLoaded = await IdleAsync(time, settings);
            var (fetchLoaded, appendLoaded) = await OnOwnThread(() => Scale.ExtraClient(context, tcp));
            var errors = Errors(sessions, backend, backendBefore);

            // A tick over every session: the clock jumps past the idle timeout, and the sweeper's next tick
            // finds all of them due and ends them (each gets its BYE outside the wheel's lock).
            var sweeper = host.Services.GetRequiredService<IdleSweeper>();
            TimeSpan allEnded;
            TimeSpan lockWait;
            using (var probe = new WheelLockProbe(sweeper))
            {
                time.Take<IdleSweeper>();
                var expiry = Stopwatch.StartNew();
                time.Skip(IdleTimeout + TimeSpan.FromMinutes(1));
                await WaitUntilAsync(() => registry.Count == 0);
                allEnded = expiry.Elapsed;
                lockWait = probe.Longest;
            }

            return new InProcessSample("FrontDoor in-process", count, openSeconds, before, after, registered, backendOpen, errors)
            {
                IdleEmpty = idleEmpty,
                IdleLoaded = idleLoaded,
                FetchMs = (fetchEmpty, fetchLoaded),
                AppendMs = (appendEmpty, appendLoaded),
                Expiry = (time.Take<IdleSweeper>().DefaultIfEmpty().Max(), lockWait, allEnded),
            };
        }
        finally
        {
            sessions?.Dispose();
            try
            {
                await WaitUntilAsync(() => registry.Count == 0 && backend.Open == 0);
            }
            finally
            {
                await host.StopAsync(TimeSpan.FromSeconds(30));
            }
        }
    }

    /// <summary>
    /// Failed logins, sessions that heard something, and since <paramref name="before"/> the fake backend's
    /// sessions that ended while they were to be held and the commands it did not know.
    /// </summary>
    private static int Errors(InMemorySessions sessions, InMemoryFakeBackend backend, (int Closed, int Unknown) before) =>
        sessions.Failed + sessions.HeardSomething() + (backend.ClosedWithoutLogout - before.Closed) + (backend.Unknown - before.Unknown);

    /// <summary>The process's CPU over the idle period (percent of one core) and the idle sweeper's ticks meanwhile.</summary>
    private static async Task<IdleSample> IdleAsync(TimedTimeProvider time, BenchSettings settings)
    {
        // Let what came before settle first (the extra client's buffers, the runtime tiering up code).
        await Task.Delay(settings.MemorySettleMs);
        time.Take<IdleSweeper>();
        var cpu = Os.CpuSeconds(Environment.ProcessId);
        var watch = Stopwatch.StartNew();
        await Task.Delay(settings.Smoke ? 1_100 : 10_000);
        var percent = 100 * (Os.CpuSeconds(Environment.ProcessId) - cpu) / watch.Elapsed.TotalSeconds;
        return new IdleSample(percent, time.Take<IdleSweeper>());
    }

    // The blocking client on a thread of its own: the in-process FrontDoor needs the thread pool.
    private static Task<T> OnOwnThread<T>(Func<T> work) => Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(120))
            {
                throw new BenchException("scenario 10: sessions still open 120 s after their clients went away");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// The in-memory listener (its address is made up, RFC 5737) and a loopback one; users go to the fake
    /// backend (a made-up <c>.invalid</c> name), the extra client's user "extra" to minimap.
    /// </summary>
    private static string Config(BenchContext context, MinimapProcess minimap, BackendEndpoint fake) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <frontDoor>
            <listeners>
              <listener name="{MemoryListener}" endpoint="{new IPEndPoint(TestAddresses.Listener, 143)}" tls="none" />
              <listener name="imap" endpoint="127.0.0.1:0" tls="none" />
            </listeners>
            <plugins directory="{context.PluginDirectory}" />
            <backends>
              <backend name="fake" endpoint="{fake.Host}:{fake.Port}" tls="none" />
              <backend name="mini" endpoint="127.0.0.1:{minimap.Ports[0]}" tls="none" />
            </backends>
            <routing default="fake">
              <route user="extra" backend="mini" />
            </routing>
          </frontDoor>
        </configuration>
        """;
}
