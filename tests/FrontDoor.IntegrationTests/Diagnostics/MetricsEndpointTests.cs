using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using FrontDoor.Core.Diagnostics;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FrontDoor.IntegrationTests.Diagnostics;

/// <summary>
/// Meters are found by name process-wide, so a Prometheus endpoint in a test process would also see the
/// "FrontDoor" meters of other tests' hosts: these tests run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsEndpointRunsAlone
{
    public const string Name = "Metrics endpoint (not parallel)";
}

/// <summary>One session through FrontDoor with <c>&lt;metrics prometheus=... /&gt;</c>, then a real scrape.</summary>
[Collection(MetricsEndpointRunsAlone.Name)]
public sealed partial class MetricsEndpointTests
{
    private const string Backend = "metered";

    [Fact]
    public async Task A_session_shows_on_the_Prometheus_endpoint()
    {
        var metricsPort = LoopbackPorts.Pick();
        var loggedIn = new TaskCompletionSource();
        await using var backend = ScriptedBackend.Start(async b =>
        {
            // No LITERAL+ here, and literalPlus="synchronize": the client's {5+} is converted.
            await b.GreetAndLoginAsync("IMAP4rev1 IDLE");
            await b.ExpectLineAsync("a2 APPEND INBOX {5}");
            await b.SendAsync("+ go ahead\r\n");
            Assert.Equal("hello", Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync("a2 OK APPEND completed\r\n");
            await b.ExpectLineAsync("a3 CAPABILITY");
            await b.SendAsync("* CAPABILITY IMAP4rev1 IDLE STARTTLS AUTH=PLAIN\r\na3 OK CAPABILITY completed\r\n");
            await b.ExpectLineAsync("a4 LOGOUT");
            await b.SendAsync("* BYE bye\r\na4 OK LOGOUT completed\r\n");
        });
        await using var frontDoor = await TestFrontDoor.StartAsync(
            $"""
            <backends><backend name="{Backend}" endpoint="127.0.0.1:{backend.Port}" literalPlus="synchronize" /></backends>
            <routing default="{Backend}" />
            <metrics prometheus="127.0.0.1:{metricsPort}" />
            """);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri($"http://127.0.0.1:{metricsPort}/metrics");

        // Before any session: the configured backend is there with no sessions.
        var idle = await http.GetStringAsync(url);
        Assert.Equal(0, Value(idle, "frontdoor_backend_sessions", ("backend", Backend)));
        Assert.NotNull(Value(idle, "frontdoor_sessions_active"));

        await using (var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint))
        {
            Assert.StartsWith("* OK", await client.ReadLineAsync(), StringComparison.Ordinal);
            await client.SendAsync("a1 LOGIN alice secret\r\n");
            Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
            await client.SendAsync("a2 APPEND INBOX {5+}\r\nhello\r\n");
            Assert.Equal("a2 OK APPEND completed", await client.ReadLineAsync());
            await client.SendAsync("a3 CAPABILITY\r\n");
            Assert.DoesNotContain("STARTTLS", await client.ReadLineAsync(), StringComparison.Ordinal);
            Assert.Equal("a3 OK CAPABILITY completed", await client.ReadLineAsync());

            // Logged in: one session on the backend, and at least this connection open.
            var during = await http.GetStringAsync(url);
            Assert.Equal(1, Value(during, "frontdoor_backend_sessions", ("backend", Backend)));
            Assert.True(Value(during, "frontdoor_sessions_active") >= 1, during);

            await client.SendAsync("a4 LOGOUT\r\n");
            await client.ReadUntilAsync("a4 OK");
        }

        await backend.Completion.WaitAsync(TimeSpan.FromSeconds(15));

        // After it: the relay totals of the backend (the session may take a moment to wind down).
        var after = await ScrapeUntilAsync(http, url, s => Value(s, "frontdoor_backend_sessions", ("backend", Backend)) == 0);
        Assert.True(Value(after, "frontdoor_relay_transferred_bytes_total", ("backend", Backend), ("direction", "to_client")) > 0, after);
        Assert.True(Value(after, "frontdoor_relay_transferred_bytes_total", ("backend", Backend), ("direction", "to_backend")) >= "a2 APPEND INBOX {5}\r\nhello\r\n".Length, after);
        Assert.Equal(1, Value(after, "frontdoor_literals_synchronized_total", ("backend", Backend)));
        Assert.Equal(0, Value(after, "frontdoor_literals_drained_total", ("backend", Backend)));
        Assert.True(Value(after, "frontdoor_capability_rewrites_total", ("backend", Backend)) >= 1, after);
        Assert.Contains("# TYPE frontdoor_relay_transferred_bytes_total counter", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_results_and_backend_connects_are_exported_from_FrontDoorMetrics()
    {
        var metricsPort = LoopbackPorts.Pick();
        await using var frontDoor = await StartWithoutBackendAsync(metricsPort);

        // What the session code reports (see the hook calls in ClientSession and BackendConnector).
        var metrics = frontDoor.Services.GetRequiredService<FrontDoorMetrics>();
        metrics.LoginCompleted("probe-events", LoginResults.Ok);
        metrics.LoginCompleted("probe-events", LoginResults.Ok);
        metrics.LoginCompleted("probe-events", LoginResults.Limit);
        metrics.LoginCompleted(null, LoginResults.NoRoute);
        metrics.BackendConnected("probe-events", TimeSpan.FromMilliseconds(3));
        metrics.BackendConnected("probe-events", TimeSpan.FromSeconds(2));
        metrics.BackendConnectFailed("probe-events");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var scrape = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"));

        Assert.Equal(2, Value(scrape, "frontdoor_logins_total", ("backend", "probe-events"), ("result", "ok")));
        Assert.Equal(1, Value(scrape, "frontdoor_logins_total", ("backend", "probe-events"), ("result", "limit")));
        Assert.True(Value(scrape, "frontdoor_logins_total", ("result", "no-route")) >= 1, scrape);
        Assert.Equal(2, Value(scrape, "frontdoor_backend_connect_duration_seconds_count", ("backend", "probe-events")));
        Assert.Equal(1, Value(scrape, "frontdoor_backend_connect_duration_seconds_bucket", ("backend", "probe-events"), ("le", "0.005")));
        Assert.Equal(2.003, Value(scrape, "frontdoor_backend_connect_duration_seconds_sum", ("backend", "probe-events"))!.Value, 3);
        Assert.Equal(1, Value(scrape, "frontdoor_backend_connect_failures_total", ("backend", "probe-events")));

        // A backend seen only in events still gets its sessions series, as does the configured one.
        Assert.Equal(0, Value(scrape, "frontdoor_backend_sessions", ("backend", "probe-events")));
        Assert.Equal(0, Value(scrape, "frontdoor_backend_sessions", ("backend", "probe")));
    }

    [Fact]
    public async Task A_silent_connection_counts_as_parked_until_it_speaks()
    {
        var metricsPort = LoopbackPorts.Pick();
        await using var frontDoor = await StartWithoutBackendAsync(metricsPort);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri($"http://127.0.0.1:{metricsPort}/metrics");
        Assert.Equal(0, Value(await http.GetStringAsync(url), "frontdoor_connections_parked"));

        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        Assert.StartsWith("* OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        var silent = await ScrapeUntilAsync(http, url, s => Value(s, "frontdoor_connections_parked") == 1);
        Assert.Equal(1, Value(silent, "frontdoor_sessions_active"));

        await client.SendAsync("a1 NOOP\r\n");
        Assert.Equal("a1 OK NOOP completed", await client.ReadLineAsync());
        var speaking = await ScrapeUntilAsync(http, url, s => Value(s, "frontdoor_connections_parked") == 0);
        Assert.Equal(1, Value(speaking, "frontdoor_sessions_active"));
    }

    /// <summary>FrontDoor with a Prometheus endpoint on <paramref name="metricsPort"/> and a backend "probe" nobody reaches.</summary>
    private static Task<TestFrontDoor> StartWithoutBackendAsync(int metricsPort) => TestFrontDoor.StartAsync(
        $"""
        <backends><backend name="probe" endpoint="127.0.0.1:9" /></backends>
        <routing default="probe" />
        <metrics prometheus="127.0.0.1:{metricsPort}" />
        """);

    private static async Task<string> ScrapeUntilAsync(HttpClient http, Uri url, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var scrape = await http.GetStringAsync(url);
            if (done(scrape) || DateTime.UtcNow > deadline)
            {
                return scrape;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The value of the one sample of <paramref name="metric"/> that has (at least) these labels; null if none.</summary>
    private static double? Value(string scrape, string metric, params (string Name, string Value)[] labels)
    {
        double? found = null;
        foreach (var line in scrape.Split('\n'))
        {
            var match = SampleLine().Match(line.TrimEnd('\r'));
            if (!match.Success || match.Groups["name"].Value != metric)
            {
                continue;
            }

            var present = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            if (labels.All(l => present.TryGetValue(l.Name, out var v) && v == l.Value))
            {
                Assert.Null(found);
                found = double.Parse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        return found;
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
