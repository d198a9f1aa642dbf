using System.Runtime.Versioning;
using FrontDoor.Core.Hosting;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FrontDoor.Core.Tests.Hosting;

/// <summary>
/// A greeted connection that stays silent is parked as a bare descriptor (ParkedSockets) and comes back
/// as a whole session: over real loopback TCP, since parking is a socket's.
/// </summary>
[SupportedOSPlatform("linux")]
public class ParkedConnectionTests
{
    private const string ProxyListener = """<listener name="imap" endpoint="127.0.0.1:0" tls="none" proxyProtocol="true" trustedProxies="127.0.0.1/32" />""";
    private const string NoBackend = """<backends><backend name="b" endpoint="127.0.0.1:9" /></backends><routing default="b" />""";

    [Fact]
    public async Task A_silent_connection_is_parked_and_its_first_command_is_answered()
    {
        await using var frontDoor = await TestFrontDoor.StartAsync(NoBackend);
        var listeners = frontDoor.Services.GetRequiredService<ListenerService>();
        await using var client = await frontDoor.ConnectAsync();
        Assert.StartsWith("* OK [CAPABILITY IMAP4rev1", await client.ReadLineAsync(), StringComparison.Ordinal);
        await UntilAsync(() => listeners.ParkedConnections == 1);

        await client.SendAsync("a1 CAPABILITY\r\n");
        Assert.StartsWith("* CAPABILITY IMAP4rev1", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal("a1 OK CAPABILITY completed", await client.ReadLineAsync());
        Assert.Equal(0, listeners.ParkedConnections);
        Assert.Equal(1, listeners.ActiveSessions);

        await client.SendAsync("a2 LOGOUT\r\n");
        Assert.Equal("* BYE FrontDoor logging out", await client.ReadLineAsync());
        Assert.Equal("a2 OK LOGOUT completed", await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task An_ipv6_client_is_parked_and_made_again_with_its_address()
    {
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            """<listener name="imap" endpoint="[::1]:0" tls="none" maxConnectionsPerAddress="1" />""", NoBackend);
        var listeners = frontDoor.Services.GetRequiredService<ListenerService>();
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        Assert.StartsWith("* OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        await UntilAsync(() => listeners.ParkedConnections == 1);

        await client.SendAsync("a1 NOOP\r\n");
        Assert.Equal("a1 OK NOOP completed", await client.ReadLineAsync());

        // Still counted under ::1 once made again: a second connection from it is over the cap.
        await using var second = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        Assert.Equal("* BYE [LIMIT] Too many connections, try again later", await second.ReadLineAsync());
    }

    [Fact]
    public async Task A_connection_made_again_tells_the_backend_both_addresses()
    {
        // Made again as a bare socket (BareSocket): the client's address is the one kept while parked, and
        // FrontDoor's own is read from the system only now, for the backend's ID.
        var fields = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1 ID AUTH=PLAIN] ready\r\n");
            var id = await b.ReadLineAsync() ?? string.Empty;
            fields.TrySetResult(id);
            await b.SendAsync($"* ID NIL\r\n{id.Split(' ')[0]} OK ID completed\r\n");
            var login = await b.ReadLineAsync() ?? string.Empty;
            await b.SendAsync($"{login.Split(' ')[0]} OK [CAPABILITY IMAP4rev1] Logged in\r\n");
        });
        await using var frontDoor = await TestFrontDoor.StartAsync(
            $"""<backends><backend name="b" endpoint="{backend.Address}" forwardClientAddress="id" /></backends><routing default="b" />""");
        var listeners = frontDoor.Services.GetRequiredService<ListenerService>();
        await using var client = await frontDoor.ConnectAsync();
        await client.ReadLineAsync();
        await UntilAsync(() => listeners.ParkedConnections == 1);

        await client.SendAsync("a1 LOGIN alice secret\r\n");
        Assert.Equal("a1 OK [CAPABILITY IMAP4rev1] Logged in", await client.ReadLineAsync());
        Assert.Matches(
            $"^fd[0-9]+ ID \\(\"x-originating-ip\" \"127\\.0\\.0\\.1\" \"x-originating-port\" \"[1-9][0-9]*\" \"x-connected-ip\" \"127\\.0\\.0\\.1\" \"x-connected-port\" \"{frontDoor.Endpoint.Port}\" ",
            await fields.Task);
    }

    [Fact]
    public async Task A_command_split_across_the_wake_is_read_whole()
    {
        await using var frontDoor = await TestFrontDoor.StartAsync(NoBackend);
        var listeners = frontDoor.Services.GetRequiredService<ListenerService>();
        await using var client = await frontDoor.ConnectAsync();
        await client.ReadLineAsync();
        await UntilAsync(() => listeners.ParkedConnections == 1);

        // The first octet wakes it; the rest arrives while the session is being made again.
        await client.SendAsync("a");
        await client.SendAsync("1 NOOP\r\n");
        Assert.Equal("a1 OK NOOP completed", await client.ReadLineAsync());
    }

    [Fact]
    public async Task Stopping_says_bye_to_a_parked_connection_at_once()
    {
        await using var frontDoor = await TestFrontDoor.StartAsync(NoBackend);
        var listeners = frontDoor.Services.GetRequiredService<ListenerService>();
        await using var client = await frontDoor.ConnectAsync();
        await client.ReadLineAsync();
        await UntilAsync(() => listeners.ParkedConnections == 1);

        await frontDoor.StopAsync();
        Assert.Equal("* BYE [UNAVAILABLE] FrontDoor is shutting down, please reconnect", await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
        Assert.Equal(0, listeners.ActiveSessions);
    }

    [Fact]
    public async Task A_parked_connection_that_closes_gives_its_place_back()
    {
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            """<listener name="imap" endpoint="127.0.0.1:0" tls="none" maxConnectionsPerAddress="1" />""", NoBackend);
        var listeners = frontDoor.Services.GetRequiredService<ListenerService>();
        await using (var first = await frontDoor.ConnectAsync())
        {
            await first.ReadLineAsync();
            await UntilAsync(() => listeners.ParkedConnections == 1);
            await using var refused = await frontDoor.ConnectAsync();
            Assert.Equal("* BYE [LIMIT] Too many connections, try again later", await refused.ReadLineAsync());
        }

        await UntilAsync(() => listeners.ActiveSessions == 0);
        Assert.Equal(0, listeners.ParkedConnections);
        await using var second = await frontDoor.ConnectAsync();
        Assert.StartsWith("* OK", await second.ReadLineAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resumed_session_that_ends_later_is_closed_and_gives_its_place_back()
    {
        // The session outlives its wake-up (ClientSession.Start): its end, on whatever thread the LOGOUT
        // arrives, closes the connection and frees its places.
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            """<listener name="imap" endpoint="127.0.0.1:0" tls="none" maxConnectionsPerAddress="1" maxConnections="1" />""", NoBackend);
        var listeners = frontDoor.Services.GetRequiredService<ListenerService>();
        await using (var first = await frontDoor.ConnectAsync())
        {
            await first.ReadLineAsync();
            await UntilAsync(() => listeners.ParkedConnections == 1);
            await first.SendAsync("a1 NOOP\r\n");
            Assert.Equal("a1 OK NOOP completed", await first.ReadLineAsync());
            await first.SendAsync("a2 LOGOUT\r\n");
            Assert.Equal("* BYE FrontDoor logging out", await first.ReadLineAsync());
            Assert.Equal("a2 OK LOGOUT completed", await first.ReadLineAsync());
            Assert.True(await first.IsClosedAsync());
        }

        await UntilAsync(() => listeners.ActiveSessions == 0);
        await using var second = await frontDoor.ConnectAsync();
        Assert.StartsWith("* OK", await second.ReadLineAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_parked_connection_reset_by_its_client_ends_and_gives_its_place_back()
    {
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            """<listener name="imap" endpoint="127.0.0.1:0" tls="none" maxConnectionsPerAddress="1" />""", NoBackend);
        var listeners = frontDoor.Services.GetRequiredService<ListenerService>();
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync(frontDoor.Endpoint);
            var greeting = new byte[512];
            Assert.True(await tcp.GetStream().ReadAsync(greeting) > 0);
            await UntilAsync(() => listeners.ParkedConnections == 1);

            // A zero linger time makes the close a reset (RST), not a FIN.
            tcp.Client.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        }

        await UntilAsync(() => listeners.ActiveSessions == 0);
        Assert.Equal(0, listeners.ParkedConnections);
        await using var next = await frontDoor.ConnectAsync();
        Assert.StartsWith("* OK", await next.ReadLineAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_proxy_header_sent_with_the_connection_is_read_at_once_and_the_connection_parked()
    {
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(ProxyListener, NoBackend);
        var listeners = frontDoor.Services.GetRequiredService<ListenerService>();
        await using var balancer = await frontDoor.ConnectAsync();
        await balancer.SendAsync("PROXY TCP4 203.0.113.9 127.0.0.1 5555 143\r\n");
        Assert.StartsWith("* OK", await balancer.ReadLineAsync(), StringComparison.Ordinal);
        await UntilAsync(() => listeners.ParkedConnections == 1);

        await balancer.SendAsync("a1 NOOP\r\n");
        Assert.Equal("a1 OK NOOP completed", await balancer.ReadLineAsync());
    }

    [Fact]
    public async Task A_proxy_header_in_pieces_is_read_from_the_stream_and_the_session_runs()
    {
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(ProxyListener, NoBackend);
        await using var balancer = await frontDoor.ConnectAsync();

        // Not all there when the connection is accepted: the listener waits for the rest the ordinary way.
        await balancer.SendAsync("PROXY TCP4 203.0.113.9 ");
        await Task.Delay(200);
        await balancer.SendAsync("127.0.0.1 5555 143\r\n");
        Assert.StartsWith("* OK", await balancer.ReadLineAsync(), StringComparison.Ordinal);
        await balancer.SendAsync("a1 NOOP\r\n");
        Assert.Equal("a1 OK NOOP completed", await balancer.ReadLineAsync());
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 20)
        {
            Assert.True(waited < 10_000, "the condition did not come true");
            await Task.Delay(20);
        }
    }
}
