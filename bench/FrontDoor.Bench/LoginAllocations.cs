using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FrontDoor.Core.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FrontDoor.Bench;

/// <summary>
/// Scenario 8b (<c>--only login-alloc</c>): where a login's garbage goes. An in-process FrontDoor (the
/// executable's wiring, the real plugins, in front of the bench's Dovecot) takes sessions of connect,
/// LOGIN, NOOP, LOGOUT from the bench's client while <see cref="GC.GetTotalAllocatedBytes(bool)"/> counts
/// every byte and an <see cref="EventListener"/> samples the runtime's GCAllocationTick (one event per
/// ~100 KB allocated, naming the type whose allocation crossed the mark), so the sampled share of each
/// type is its share of the bytes. The same loop straight to the Dovecot gives the client's own share.
/// The floor is what .NET's sockets alone cost for one login's two connections: accept a client, connect
/// to the Dovecot, one receive on each, close both, with no FrontDoor at all.
/// </summary>
internal static class LoginAllocations
{
    public static async Task<string> MeasureAsync(BenchContext context)
    {
        var sessions = context.Settings.Smoke ? 20 : 3000;
        // A directory of its own, as in scenario 5b: FrontDoor watches its config file's directory.
        var config = Path.Combine(Directory.CreateDirectory(Path.Combine(context.Work, "frontdoor-login-alloc")).FullName, "frontdoor.config");
        await File.WriteAllTextAsync(config, FrontDoorProcess.Config(context, "127.0.0.1:0"));
        using var host = FrontDoorHost.Build(["--config", config, "--Logging:LogLevel:Default", "Warning"]);
        await host.StartAsync();
        var md = new StringBuilder();
        try
        {
            var frontDoor = host.Services.GetRequiredService<ListenerService>().Endpoints["imap"];
            var client = Count(context.Dovecot.Endpoint, sessions, sample: false);
            var through = Count(frontDoor, sessions, sample: false);
            var sampled = Count(frontDoor, sessions, sample: true);
            var floor = await SocketFloorAsync(context.Dovecot.Endpoint, sessions);
            var perLogin = (double)(through.Bytes - client.Bytes) / sessions;

            md.AppendLine("### 8b. Garbage per login, by type (sampled)");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"{sessions:N0} sessions of connect, LOGIN, NOOP, LOGOUT through an in-process FrontDoor in front of the Dovecot, after 50 warm-up sessions: **{perLogin:N0} B per login** allocated by FrontDoor ({(double)through.Bytes / sessions:N0} B for the whole process less the client's own {(double)client.Bytes / sessions:N0} B). Floor, .NET's sockets alone (accept a client, connect to the Dovecot, one receive on each, close both; no FrontDoor): {floor:N0} B per login.");
            md.AppendLine();
            md.AppendLine("| type (GCAllocationTick samples) | samples | share | ≈ B per login |");
            md.AppendLine("|---|---:|---:|---:|");
            var total = sampled.Samples.Values.Sum();
            foreach (var (type, count) in sampled.Samples.OrderByDescending(s => s.Value).Take(25))
            {
                var share = (double)count / Math.Max(1, total);
                md.AppendLine(CultureInfo.InvariantCulture, $"| `{ShortName(type)}` | {count} | {share:P1} | {share * through.Bytes / sessions:N0} |");
            }

            md.AppendLine();
            md.AppendLine("The samples come from a second pass with the listener on (its own event payloads are a few per cent of them); the shares include the client's own allocations, the same on the direct path.");
            return md.ToString();
        }
        finally
        {
            await host.StopAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>An async method's box by its method's name (the generic arguments run to kilobytes); other long names cut.</summary>
    private static string ShortName(string type)
    {
        if (type.Contains("StateMachineBox", StringComparison.Ordinal))
        {
            var start = type.LastIndexOf("+<", StringComparison.Ordinal);
            var end = start < 0 ? -1 : type.IndexOf('>', start + 2);
            var owner = start < 0 ? string.Empty : type[..start];
            owner = owner[(owner.LastIndexOfAny(['.', '[', ',']) + 1)..];
            return end < 0 ? "async state machine box" : $"async state machine box: {owner}.{type[(start + 2)..end]}";
        }

        return type.Length <= 100 ? type : type[..(type.IndexOf('[', StringComparison.Ordinal) is > 0 and var bracket ? bracket : 100)] + "[…]";
    }

    private static (long Bytes, Dictionary<string, long> Samples) Count(IPEndPoint endpoint, int sessions, bool sample)
    {
        for (var i = 0; i < 50; i++)
        {
            OneSession(endpoint);
        }

        using var ticks = sample ? new AllocationTicks() : null;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < sessions; i++)
        {
            OneSession(endpoint);
        }

        var after = GC.GetTotalAllocatedBytes(precise: true);
        return (after - before, ticks?.Snapshot() ?? []);
    }

    private static void OneSession(IPEndPoint endpoint)
    {
        using var client = ImapClient.ConnectAndLogin(endpoint, BenchContext.User, BenchContext.Password, 4096);
        client.Run("n", "NOOP");
        client.Run("z", "LOGOUT");
    }

    /// <summary>Bytes per login of a socket-only "proxy" less its client's; see the type's summary.</summary>
    private static async Task<double> SocketFloorAsync(IPEndPoint backend, int sessions)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(128);
        var endpoint = (IPEndPoint)listener.LocalEndPoint!;
        var buffer = new byte[4096];
        using var stop = new CancellationTokenSource();
        var server = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var accepted = await listener.AcceptAsync(stop.Token).ConfigureAwait(false);
                using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await upstream.ConnectAsync(backend, stop.Token).ConfigureAwait(false);
                await upstream.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, stop.Token).ConfigureAwait(false);
                await accepted.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, stop.Token).ConfigureAwait(false);
            }
        });

        var line = "x\r\n"u8.ToArray();
        void Client(IPEndPoint to, bool proxied)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Connect(to);
            if (proxied)
            {
                socket.Send(line);
                socket.Receive(buffer.AsSpan(0, 1)); // 0: the server closed
            }
        }

        long Loop(IPEndPoint to, bool proxied)
        {
            for (var i = 0; i < 50; i++)
            {
                Client(to, proxied);
            }

            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < sessions; i++)
            {
                Client(to, proxied);
            }

            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }

        var clientOnly = Loop(backend, proxied: false);
        var whole = Loop(endpoint, proxied: true);
        await stop.CancelAsync();
        listener.Close();
        try
        {
            await server;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The accept loop ends with the listener.
        }

        return (double)(whole - clientOnly) / sessions;
    }

    /// <summary>GCAllocationTick events of this process, counted by type name.</summary>
    private sealed class AllocationTicks : EventListener
    {
        private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
        private volatile bool _on = true;

        public Dictionary<string, long> Snapshot()
        {
            _on = false;
            return new Dictionary<string, long>(_counts, StringComparer.Ordinal);
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (!_on || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.PayloadNames is null)
            {
                return;
            }

            var index = eventData.PayloadNames.IndexOf("TypeName");
            var type = index >= 0 ? eventData.Payload?[index] as string ?? "?" : "?";
            _counts.AddOrUpdate(type, 1, static (_, n) => n + 1);
        }
    }
}
