using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using FrontDoor.Core.Hosting;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FrontDoor.IntegrationTests.Security;

/// <summary>
/// The client's real address: taken from a PROXY header only from trusted networks (HAProxy from Debian's
/// packages sends it here), and passed to the backend as ID fields or as a PROXY v2 header.
/// </summary>
public class ProxyProtocolTests
{
    /// <summary>A fake backend that expects FrontDoor's ID with the client's address, then accepts the login.</summary>
    private static ScriptedBackend BackendExpectingIdFrom(string address, TaskCompletionSource<string> seen) => ScriptedBackend.Start(async b =>
    {
        await b.SendAsync("* OK [CAPABILITY IMAP4rev1 ID AUTH=PLAIN] ready\r\n");
        var id = await b.ReadLineAsync() ?? string.Empty;
        seen.TrySetResult(id);
        await b.SendAsync($"* ID NIL\r\n{id.Split(' ')[0]} OK ID completed\r\n");
        var login = await b.ReadLineAsync() ?? string.Empty;
        await b.SendAsync($"{login.Split(' ')[0]} OK [CAPABILITY IMAP4rev1] Logged in\r\n");
        Assert.Contains($"\"x-originating-ip\" \"{address}\"", id, StringComparison.Ordinal);
    });

    /// <param name="greeted">Run between the greeting and the login, while the client is silent.</param>
    private static async Task<string> LoginFromAsync(IPEndPoint frontDoor, IPAddress source, Func<Task>? greeted = null)
    {
        using var tcp = new TcpClient(new IPEndPoint(source, 0));
        await tcp.ConnectAsync(frontDoor);
        await using var client = new RawImapClient(tcp);
        Assert.StartsWith("* OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        if (greeted is not null)
        {
            await greeted();
        }

        await client.SendAsync("a1 LOGIN alice secret\r\n");
        return await client.ReadLineAsync() ?? "<closed>";
    }

    /// <summary>A listener that takes PROXY headers from 127.0.0.1 (HAProxy here), in front of one backend that gets ID fields.</summary>
    private static Task<TestFrontDoor> StartTrustingLoopbackAsync(int backendPort) => TestFrontDoor.StartWithListenerAsync(
        """<listener name="imap" endpoint="127.0.0.1:0" proxyProtocol="true" trustedProxies="127.0.0.1/32" compress="false" />""",
        $"""<backends><backend name="b" endpoint="127.0.0.1:{backendPort}" forwardClientAddress="id" /></backends><routing default="b" />""");

    [Fact]
    public async Task Haproxy_sends_proxy_v2_and_the_backend_learns_the_real_client_address()
    {
        var seen = new TaskCompletionSource<string>();
        await using var backend = BackendExpectingIdFrom("127.0.0.2", seen);
        await using var frontDoor = await StartTrustingLoopbackAsync(backend.Port);
        await using var haproxy = await HaProxyServer.StartMinimalAsync(frontDoor.Endpoint);

        // The client connects to HAProxy from 127.0.0.2; FrontDoor's peer is HAProxy at 127.0.0.1.
        Assert.Equal("a1 OK [CAPABILITY IMAP4rev1] Logged in", await LoginFromAsync(haproxy.EndPoint, IPAddress.Parse("127.0.0.2")));
        var id = await seen.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Matches("^fd[0-9]+ ID \\(\"x-originating-ip\" \"127\\.0\\.0\\.2\" \"x-originating-port\" \"[0-9]+\" \"x-connected-ip\" \"127\\.0\\.0\\.1\" \"x-connected-port\" \"[0-9]+\" \"x-session-id\" \"[0-9a-f]{12}\"\\)$", id);
        await backend.Completion;
    }

    [Fact]
    public async Task A_proxy_v1_header_from_an_untrusted_peer_is_not_believed()
    {
        var seen = new TaskCompletionSource<string>();
        await using var backend = BackendExpectingIdFrom("127.0.0.3", seen);
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            """<listener name="imap" endpoint="127.0.0.1:0" proxyProtocol="true" trustedProxies="127.0.0.1/32" />""",
            $"""<backends><backend name="b" endpoint="127.0.0.1:{backend.Port}" forwardClientAddress="id" /></backends><routing default="b" />""");
        using var tcp = new TcpClient(new IPEndPoint(IPAddress.Parse("127.0.0.3"), 0));
        await tcp.ConnectAsync(frontDoor.Endpoint);
        await using var client = new RawImapClient(tcp);
        Assert.StartsWith("* OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        // 127.0.0.3 is not a trusted balancer: its "PROXY" line is just a bad command, and its own address is used.
        await client.SendAsync("PROXY TCP4 203.0.113.9 127.0.0.1 5555 143\r\n");
        Assert.Equal("PROXY BAD Unknown command", await client.ReadLineAsync());
        await client.SendAsync("a1 LOGIN alice secret\r\n");
        Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Contains("\"x-originating-ip\" \"127.0.0.3\"", await seen.Task.WaitAsync(TimeSpan.FromSeconds(15)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_trusted_peer_may_use_proxy_v1_and_the_backend_may_get_proxy_v2()
    {
        var header = new TaskCompletionSource<byte[]>();
        await using var backend = ScriptedBackend.Start(async b =>
        {
            header.TrySetResult(await b.ReadBytesAsync(28));
            await b.GreetAndLoginAsync();
        });
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            """<listener name="imap" endpoint="127.0.0.1:0" proxyProtocol="true" trustedProxies="127.0.0.0/8" />""",
            $"""<backends><backend name="b" endpoint="127.0.0.1:{backend.Port}" forwardClientAddress="proxy" /></backends><routing default="b" />""");
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.SendAsync("PROXY TCP4 198.51.100.7 127.0.0.1 40000 143\r\n");
        Assert.StartsWith("* OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.SendAsync("a1 LOGIN alice secret\r\n");
        Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);

        var bytes = await header.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal("\r\n\r\n\0\r\nQUIT\n"u8.ToArray(), bytes[..12]);
        Assert.Equal(0x21, bytes[12]);
        Assert.Equal(0x11, bytes[13]);
        Assert.Equal(IPAddress.Parse("198.51.100.7"), new IPAddress(bytes.AsSpan(16, 4)));
        Assert.Equal(40000, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(24)));
        await backend.Completion;
    }

    [Fact]
    public async Task A_trusted_peer_without_a_header_is_dropped()
    {
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            """<listener name="imap" endpoint="127.0.0.1:0" proxyProtocol="true" trustedProxies="127.0.0.1" />""",
            """<backends><backend name="b" endpoint="127.0.0.1:9" /></backends><routing default="b" />""");
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.SendAsync("a1 CAPABILITY\r\n");
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task A_silent_client_behind_haproxy_is_parked_and_keeps_its_real_address()
    {
        var seen = new TaskCompletionSource<string>();
        await using var backend = BackendExpectingIdFrom("127.0.0.2", seen);
        await using var frontDoor = await StartTrustingLoopbackAsync(backend.Port);
        var listeners = frontDoor.Services.GetRequiredService<ListenerService>();
        await using var haproxy = await HaProxyServer.StartMinimalAsync(frontDoor.Endpoint);

        // HAProxy's header came with the connection and was read without a stream, so the silent
        // connection is a bare descriptor until the client speaks.
        async Task ParkedAsync()
        {
            for (var waited = 0; listeners.ParkedConnections != 1; waited += 20)
            {
                Assert.True(waited < 10_000, "the connection was not parked");
                await Task.Delay(20);
            }
        }

        Assert.Equal("a1 OK [CAPABILITY IMAP4rev1] Logged in", await LoginFromAsync(haproxy.EndPoint, IPAddress.Parse("127.0.0.2"), ParkedAsync));
        Assert.Contains("\"x-originating-ip\" \"127.0.0.2\"", await seen.Task.WaitAsync(TimeSpan.FromSeconds(15)), StringComparison.Ordinal);
        await backend.Completion;
    }
}
