using System.Net;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Hosting;

/// <summary>
/// What the listener does before a session begins (connection caps, a trusted balancer's PROXY header), over
/// the in-memory transport with made-up client addresses (RFC 5737). The same over real TCP, with HAProxy,
/// is in the integration tests (Security/LimitTests, Security/ProxyProtocolTests).
/// </summary>
public class ListenerWireTests
{
    private static IPEndPoint From(string address) => new(IPAddress.Parse(address), TestAddresses.NextPort());

    [Fact]
    public async Task Connections_per_address_and_per_listener_are_capped_with_bye_limit()
    {
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            TestTransport.InMemory,
            """<listener name="imap" endpoint="127.0.0.1:0" maxConnections="3" maxConnectionsPerAddress="2" />""",
            """<backends><backend name="b" endpoint="nobody.invalid:143" /></backends><routing default="b" />""");
        await using var first = await frontDoor.ConnectAsync(From("192.0.2.4"));
        await using var second = await frontDoor.ConnectAsync(From("192.0.2.4"));
        Assert.StartsWith("* OK", await first.ReadLineAsync(), StringComparison.Ordinal);
        Assert.StartsWith("* OK", await second.ReadLineAsync(), StringComparison.Ordinal);
        await using (var third = await frontDoor.ConnectAsync(From("192.0.2.4")))
        {
            Assert.Equal("* BYE [LIMIT] Too many connections, try again later", await third.ReadLineAsync());
            Assert.True(await third.IsClosedAsync());
        }

        await using var other = await frontDoor.ConnectAsync(From("192.0.2.5"));
        Assert.StartsWith("* OK", await other.ReadLineAsync(), StringComparison.Ordinal);
        await using var fourth = await frontDoor.ConnectAsync(From("192.0.2.6"));
        Assert.Equal("* BYE [LIMIT] Too many connections, try again later", await fourth.ReadLineAsync());
        Assert.True(await fourth.IsClosedAsync());
    }

    [Fact]
    public async Task A_trusted_balancers_proxy_header_is_read_byte_exact_and_the_backend_learns_the_clients_address()
    {
        await using var backend = ScriptedBackend.InMemory(async b =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1 ID AUTH=PLAIN] ready\r\n");
            var id = await b.ReadLineAsync() ?? string.Empty;
            Assert.Matches("^fd[0-9]+ ID \\(\"x-originating-ip\" \"203\\.0\\.113\\.9\" \"x-originating-port\" \"5555\" \"x-connected-ip\" \"192\\.0\\.2\\.1\" \"x-connected-port\" \"143\" ", id);
            await b.SendAsync($"* ID NIL\r\n{id.Split(' ')[0]} OK ID completed\r\n");
            var login = await b.ReadLineAsync() ?? string.Empty;
            await b.SendAsync($"{login.Split(' ')[0]} OK [CAPABILITY IMAP4rev1] Logged in\r\n");
        });
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            TestTransport.InMemory,
            """<listener name="imap" endpoint="127.0.0.1:0" proxyProtocol="true" trustedProxies="192.0.2.0/24" compress="false" />""",
            $"""<backends><backend name="b" endpoint="{backend.Address}" forwardClientAddress="id" /></backends><routing default="b" />""");
        await using var balancer = await frontDoor.ConnectAsync(From("192.0.2.50"));

        // The header and the first command in one write: the header's reader must take the header's octets only.
        await balancer.SendAsync("PROXY TCP4 203.0.113.9 192.0.2.1 5555 143\r\na1 LOGIN alice secret\r\n");
        Assert.StartsWith("* OK", await balancer.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal("a1 OK [CAPABILITY IMAP4rev1] Logged in", await balancer.ReadLineAsync());
        await backend.Completion;
    }
}
