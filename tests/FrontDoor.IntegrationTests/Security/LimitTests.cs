using System.Net;
using System.Net.Sockets;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.IntegrationTests.Security;

/// <summary>Each limit answers with its IMAP response, against the scripted fake backend.</summary>
public class LimitTests
{
    private static ScriptedBackend LoggedInBackend(Func<RawImapClient, Task>? then = null, string capabilities = "IMAP4rev1 LITERAL+", int connections = 1) =>
        ScriptedBackend.Start(async (b, _) =>
        {
            await b.GreetAndLoginAsync(capabilities);
            if (then is not null)
            {
                await then(b);
            }
            else
            {
                await b.IsClosedAsync();
            }
        }, connections);

    private static async Task<RawImapClient> ConnectAsync(IPEndPoint endpoint, string? source = null)
    {
        var tcp = source is null ? new TcpClient() : new TcpClient(new IPEndPoint(IPAddress.Parse(source), 0));
        await tcp.ConnectAsync(endpoint);
        return new RawImapClient(tcp);
    }

    [Fact]
    public async Task Connections_per_address_and_per_listener_are_capped_with_bye_limit()
    {
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            """<listener name="imap" endpoint="127.0.0.1:0" maxConnections="3" maxConnectionsPerAddress="2" />""",
            """<backends><backend name="b" endpoint="127.0.0.1:9" /></backends><routing default="b" />""");
        await using var first = await ConnectAsync(frontDoor.Endpoint, "127.0.0.4");
        await using var second = await ConnectAsync(frontDoor.Endpoint, "127.0.0.4");
        Assert.StartsWith("* OK", await first.ReadLineAsync(), StringComparison.Ordinal);
        Assert.StartsWith("* OK", await second.ReadLineAsync(), StringComparison.Ordinal);
        await using (var third = await ConnectAsync(frontDoor.Endpoint, "127.0.0.4"))
        {
            Assert.Equal("* BYE [LIMIT] Too many connections, try again later", await third.ReadLineAsync());
            Assert.True(await third.IsClosedAsync());
        }

        await using var other = await ConnectAsync(frontDoor.Endpoint, "127.0.0.5");
        Assert.StartsWith("* OK", await other.ReadLineAsync(), StringComparison.Ordinal);
        await using var fourth = await ConnectAsync(frontDoor.Endpoint, "127.0.0.6");
        Assert.Equal("* BYE [LIMIT] Too many connections, try again later", await fourth.ReadLineAsync());
    }

    [Fact]
    public async Task Sessions_per_user_are_capped_with_no_limit()
    {
        await using var backend = LoggedInBackend();
        await using var frontDoor = await TestFrontDoor.StartAsync(
            $"""<backends><backend name="b" endpoint="127.0.0.1:{backend.Port}" /></backends><routing default="b" /><limits maxConnectionsPerUser="1" />""");
        await using var first = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await first.ReadLineAsync();
        await first.SendAsync("a1 LOGIN alice secret\r\n");
        Assert.StartsWith("a1 OK", await first.ReadLineAsync(), StringComparison.Ordinal);
        await using var second = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await second.ReadLineAsync();
        await second.SendAsync("b1 LOGIN ALICE secret\r\n");
        Assert.Equal("b1 NO [LIMIT] Too many sessions for this user", await second.ReadLineAsync());
    }

    [Fact]
    public async Task A_literal_over_the_backends_limit_is_refused_and_drained()
    {
        await using var backend = LoggedInBackend(async b =>
        {
            // Neither APPEND reaches the backend; the next command does.
            await b.ExpectLineAsync("a4 NOOP");
            await b.SendAsync("a4 OK NOOP completed\r\n");
        });
        await using var frontDoor = await TestFrontDoor.StartAsync(
            $"""<backends><backend name="b" endpoint="127.0.0.1:{backend.Port}" maxLiteralSize="100" /></backends><routing default="b" />""");
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice secret\r\n");
        Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.SendAsync("a2 APPEND INBOX {200}\r\n");
        Assert.Equal("a2 NO [TOOBIG] Literal larger than this mail server accepts", await client.ReadLineAsync());
        await client.SendAsync($"a3 APPEND INBOX {{200+}}\r\n{new string('x', 200)}\r\na4 NOOP\r\n");
        Assert.Equal("a3 BAD [TOOBIG] Literal larger than this mail server accepts", await client.ReadLineAsync());
        Assert.Equal("a4 OK NOOP completed", await client.ReadLineAsync());
        await backend.Completion;
    }

    [Fact]
    public async Task The_backends_appendlimit_is_the_default_literal_limit()
    {
        await using var backend = LoggedInBackend(async b => await b.IsClosedAsync(), capabilities: "IMAP4rev1 APPENDLIMIT=1000");
        await using var frontDoor = await TestFrontDoor.StartAsync(
            $"""<backends><backend name="b" endpoint="127.0.0.1:{backend.Port}" /></backends><routing default="b" />""");
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice secret\r\n");
        Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.SendAsync("a2 APPEND INBOX {1001}\r\n");
        Assert.Equal("a2 NO [TOOBIG] Literal larger than this mail server accepts", await client.ReadLineAsync());
    }

    [Fact]
    public async Task No_login_within_the_pre_auth_timeout_ends_the_connection()
    {
        await using var frontDoor = await TestFrontDoor.StartAsync(
            """<backends><backend name="b" endpoint="127.0.0.1:9" /></backends><routing default="b" /><limits preAuthTimeout="1" />""");
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        Assert.StartsWith("* OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal("* BYE Autologout: no login in time", await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Too_many_failed_logins_close_the_connection()
    {
        await using var backend = ScriptedBackend.Start(async (b, _) =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1] ready\r\n");
            var login = await b.ReadLineAsync() ?? string.Empty;
            await b.SendAsync($"{login.Split(' ')[0]} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
        }, connections: 2);
        await using var frontDoor = await TestFrontDoor.StartAsync(
            $"""<backends><backend name="b" endpoint="127.0.0.1:{backend.Port}" /></backends><routing default="b" /><limits maxFailedLogins="2" authFailureDelay="0.01" />""");
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice wrong\r\n");
        Assert.Equal("a1 NO [AUTHENTICATIONFAILED] Authentication failed.", await client.ReadLineAsync());
        await client.SendAsync("a2 LOGIN alice wrong\r\n");
        Assert.Equal("a2 NO [AUTHENTICATIONFAILED] Authentication failed.", await client.ReadLineAsync());
        Assert.Equal("* BYE Too many failed logins", await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
    }
}
