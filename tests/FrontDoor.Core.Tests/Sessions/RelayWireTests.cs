using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>
/// Exact bytes both ways through the relay, against the in-process scripted FAKE backend (see
/// <see cref="ScriptedBackend"/>), with no literal-converting plugin involved.
/// </summary>
public class RelayWireTests
{
    private const string FullCapabilities = "IMAP4rev1 LITERAL+ IDLE STARTTLS LOGINDISABLED SASL-IR AUTH=PLAIN AUTH=XOAUTH2 COMPRESS=DEFLATE ID";

    private static Task<TestFrontDoor> StartFrontDoorAsync(ScriptedBackend backend, string extra = "") =>
        TestFrontDoor.StartAsync(
            $"<backends><backend name=\"fake\" endpoint=\"127.0.0.1:{backend.Port}\" literalPlus=\"passthrough\" {extra} /></backends><routing default=\"fake\" />");

    private static async Task<RawImapClient> LoginAsync(TestFrontDoor frontDoor, string expectedOk = "a1 OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] Logged in")
    {
        var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice secret\r\n");
        Assert.Equal(expectedOk, await client.ReadLineAsync());
        return client;
    }

    [Fact]
    public async Task Login_answers_with_the_backends_capabilities_less_what_the_proxy_reads()
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.SendAsync("* OK fake ready\r\n");
            await b.ExpectLineAsync("fd1 CAPABILITY");
            await b.SendAsync($"* CAPABILITY {FullCapabilities}\r\nfd1 OK done\r\n");
            await b.ExpectLineAsync("fd2 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==");
            await b.SendAsync($"fd2 OK [CAPABILITY {FullCapabilities}] Logged in as alice\r\n");
            await b.ExpectLineAsync("a2 NOOP");
            await b.SendAsync("a2 OK NOOP done\r\n");
        });
        await using var frontDoor = await StartFrontDoorAsync(backend);
        // LOGINDISABLED on the backend: FrontDoor logs in with AUTHENTICATE PLAIN and SASL-IR.
        await using var client = await LoginAsync(frontDoor, "a1 OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE ID] Logged in as alice");
        await client.SendAsync("a2 NOOP\r\n");
        Assert.Equal("a2 OK NOOP done", await client.ReadLineAsync());
        await backend.Completion;
    }

    [Theory]
    [InlineData("a1 AUTHENTICATE LOGIN\r\n", true)]
    [InlineData("a1 AUTHENTICATE LOGIN YWxpY2U=\r\n", false)]
    public async Task Authenticate_login_with_and_without_initial_response_logs_in_on_the_backend(string command, bool askUser)
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");
            var login = await b.ReadLineAsync() ?? string.Empty;
            Assert.EndsWith(" LOGIN \"alice\" \"secret\"", login, StringComparison.Ordinal);
            await b.SendAsync($"{login.Split(' ')[0]} OK [CAPABILITY IMAP4rev1] Logged in\r\n");
        });
        await using var frontDoor = await StartFrontDoorAsync(backend);
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync(command);
        if (askUser)
        {
            Assert.Equal("+ VXNlcm5hbWU6", await client.ReadLineAsync());
            await client.SendAsync("YWxpY2U=\r\n");
        }

        Assert.Equal("+ UGFzc3dvcmQ6", await client.ReadLineAsync());
        await client.SendAsync("c2VjcmV0\r\n");
        Assert.Equal("a1 OK [CAPABILITY IMAP4rev1] Logged in", await client.ReadLineAsync());
        await backend.Completion;
    }

    [Fact]
    public async Task No_password_goes_to_a_backend_that_refuses_plaintext_logins()
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] TLS required\r\n");
            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await StartFrontDoorAsync(backend);
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice secret\r\n");
        Assert.Equal("a1 NO [UNAVAILABLE] The mail server is not available now, try again later", await client.ReadLineAsync());
        await backend.Completion;
        Assert.DoesNotContain("secret", backend.Received, StringComparison.Ordinal);
        Assert.Equal(string.Empty, backend.Received);
    }

    [Fact]
    public async Task Capability_lists_are_rewritten_everywhere_but_inside_literals()
    {
        const string body = "* CAPABILITY IMAP4rev1 STARTTLS\r\n+ OK\r\na9 OK [CAPABILITY STARTTLS] x\r\n";
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync(FullCapabilities.Replace("LOGINDISABLED ", string.Empty, StringComparison.Ordinal));
            await b.ExpectLineAsync("a2 CAPABILITY");
            await b.SendAsync($"* CAPABILITY {FullCapabilities}\r\na2 OK [CAPABILITY {FullCapabilities}] done\r\n");
            await b.ExpectLineAsync("a3 FETCH 1 BODY[]");
            await b.SendAsync($"* 1 FETCH (BODY[] {{{body.Length}}}\r\n{body})\r\na3 OK done\r\n");
        });
        await using var frontDoor = await StartFrontDoorAsync(backend);
        await using var client = await LoginAsync(frontDoor, "a1 OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE ID] Logged in");
        await client.SendAsync("a2 CAPABILITY\r\n");
        Assert.Equal("* CAPABILITY IMAP4rev1 LITERAL+ IDLE ID", await client.ReadLineAsync());
        Assert.Equal("a2 OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE ID] done", await client.ReadLineAsync());
        await client.SendAsync("a3 FETCH 1 BODY[]\r\n");
        Assert.Equal($"* 1 FETCH (BODY[] {{{body.Length}}}", await client.ReadLineAsync());
        Assert.Equal(body, System.Text.Encoding.Latin1.GetString(await client.ReadBytesAsync(body.Length)));
        Assert.Equal(")", await client.ReadLineAsync());
        Assert.Equal("a3 OK done", await client.ReadLineAsync());
        await backend.Completion;
    }

    [Fact]
    public async Task A_synchronizing_literal_waits_for_the_backends_continuation_which_is_relayed()
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 APPEND INBOX {5}");
            await b.SendAsync("* 3 EXISTS\r\n+ OK\r\n");
            Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync("a2 OK APPEND done\r\n");
        });
        await using var frontDoor = await StartFrontDoorAsync(backend);
        await using var client = await LoginAsync(frontDoor);
        await client.SendAsync("a2 APPEND INBOX {5}\r\n");
        Assert.Equal("* 3 EXISTS", await client.ReadLineAsync());
        Assert.Equal("+ OK", await client.ReadLineAsync());
        await client.SendAsync("hello\r\n");
        Assert.Equal("a2 OK APPEND done", await client.ReadLineAsync());
        await backend.Completion;
    }

    [Fact]
    public async Task A_synchronizing_literal_refused_before_the_continuation_is_cancelled()
    {
        // docs/PROTOCOL.md, rule 6: the client sends nothing of the refused command; its next line is a new command.
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 APPEND Nope {5}");
            await b.SendAsync("a2 NO [TRYCREATE] No such mailbox\r\n");
            await b.ExpectLineAsync("a3 NOOP");
            await b.SendAsync("a3 OK NOOP done\r\n");
        });
        await using var frontDoor = await StartFrontDoorAsync(backend);
        await using var client = await LoginAsync(frontDoor);
        await client.SendAsync("a2 APPEND Nope {5}\r\n");
        Assert.Equal("a2 NO [TRYCREATE] No such mailbox", await client.ReadLineAsync());
        await client.SendAsync("a3 NOOP\r\n");
        Assert.Equal("a3 OK NOOP done", await client.ReadLineAsync());
        await backend.Completion;
    }

    [Fact]
    public async Task Without_a_converting_plugin_non_synchronizing_literals_pass_untouched()
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 APPEND INBOX ~{4+}");
            Assert.Equal(new byte[] { 0, 1, 13, 10 }, await b.ReadBytesAsync(4));
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync("a2 OK APPEND done\r\n");
        });
        await using var frontDoor = await StartFrontDoorAsync(backend);
        await using var client = await LoginAsync(frontDoor);
        await client.SendAsync([.. "a2 APPEND INBOX ~{4+}\r\n"u8, 0, 1, 13, 10, 13, 10]);
        Assert.Equal("a2 OK APPEND done", await client.ReadLineAsync());
        await backend.Completion;
    }

    [Fact]
    public async Task Idle_and_authenticate_continuations_are_relayed()
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 IDLE");
            await b.SendAsync("+ idling\r\n* 4 EXISTS\r\n");
            await b.ExpectLineAsync("DONE");
            await b.SendAsync("a2 OK IDLE done\r\n");
            await b.ExpectLineAsync("a3 AUTHENTICATE X-TEST");
            await b.SendAsync("+ \r\n");
            await b.ExpectLineAsync("dGVzdA==");
            await b.SendAsync("a3 NO not now\r\n");
        });
        await using var frontDoor = await StartFrontDoorAsync(backend);
        await using var client = await LoginAsync(frontDoor);
        await client.SendAsync("a2 IDLE\r\n");
        Assert.Equal("+ idling", await client.ReadLineAsync());
        Assert.Equal("* 4 EXISTS", await client.ReadLineAsync());
        await client.SendAsync("DONE\r\n");
        Assert.Equal("a2 OK IDLE done", await client.ReadLineAsync());
        await client.SendAsync("a3 AUTHENTICATE X-TEST\r\n");
        Assert.Equal("+ ", await client.ReadLineAsync());
        await client.SendAsync("dGVzdA==\r\n");
        Assert.Equal("a3 NO not now", await client.ReadLineAsync());
        await backend.Completion;
    }

    [Fact]
    public async Task Commands_pipelined_behind_login_reach_the_backend_after_it()
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 SELECT INBOX");
            await b.ExpectLineAsync("a3 NOOP");
            await b.SendAsync("a2 OK [READ-WRITE] SELECT done\r\na3 OK NOOP done\r\n");
        });
        await using var frontDoor = await StartFrontDoorAsync(backend);
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice secret\r\na2 SELECT INBOX\r\na3 NOOP\r\n");
        Assert.Equal("a1 OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] Logged in", await client.ReadLineAsync());
        Assert.Equal("a2 OK [READ-WRITE] SELECT done", await client.ReadLineAsync());
        Assert.Equal("a3 OK NOOP done", await client.ReadLineAsync());
        await backend.Completion;
    }

    [Fact]
    public async Task A_refused_login_is_relayed_with_the_clients_tag_and_may_be_retried()
    {
        await using var backend = ScriptedBackend.Start(async (b, index) =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");
            var login = await b.ReadLineAsync();
            Assert.NotNull(login);
            var tag = login!.Split(' ')[0];
            if (index == 0)
            {
                Assert.Equal($"{tag} LOGIN \"alice\" \"wrong\"", login);
                await b.SendAsync($"{tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
                return;
            }

            // A password that cannot be quoted goes as a synchronizing literal.
            Assert.Equal($"{tag} LOGIN \"alice\" {{8}}", login);
            await b.SendAsync("+ OK\r\n");
            Assert.Equal("pa\"ss\r\nx", System.Text.Encoding.ASCII.GetString(await b.ReadBytesAsync(8)));
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync($"{tag} OK [CAPABILITY IMAP4rev1] Logged in\r\n");
        }, connections: 2);
        await using var frontDoor = await StartFrontDoorAsync(backend);
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice wrong\r\n");
        Assert.Equal("a1 NO [AUTHENTICATIONFAILED] Authentication failed.", await client.ReadLineAsync());
        await client.SendAsync("a2 LOGIN alice {8+}\r\npa\"ss\r\nx\r\n");
        Assert.Equal("a2 OK [CAPABILITY IMAP4rev1] Logged in", await client.ReadLineAsync());
        await backend.Completion;
    }

    [Fact]
    public async Task A_backend_that_closes_ends_the_client_session_with_bye()
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 NOOP");
            await b.DisposeAsync();
        });
        await using var frontDoor = await StartFrontDoorAsync(backend);
        await using var client = await LoginAsync(frontDoor);
        await client.SendAsync("a2 NOOP\r\n");
        Assert.Equal("* BYE [UNAVAILABLE] Connection to the mail server was lost", await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
        await backend.Completion;
    }

    [Fact]
    public async Task A_response_line_over_the_configured_limit_ends_the_session_and_one_at_it_is_relayed()
    {
        const int limit = 64 * 1024;
        var atLimit = "* SEARCH" + string.Concat(Enumerable.Repeat(" 1", (limit - 8) / 2));
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 SEARCH ALL");
            await b.SendAsync($"{atLimit}\r\na2 OK SEARCH completed\r\n");
            await b.ExpectLineAsync("a3 SEARCH ALL");
            await b.SendAsync($"{atLimit} 1\r\na3 OK SEARCH completed\r\n");
            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await TestFrontDoor.StartAsync(
            $"""<backends><backend name="fake" endpoint="127.0.0.1:{backend.Port}" /></backends><routing default="fake" /><limits maxResponseLine="{limit}" />""");
        await using var client = await LoginAsync(frontDoor);
        await client.SendAsync("a2 SEARCH ALL\r\n");
        Assert.Equal(atLimit, await client.ReadLineAsync());
        Assert.Equal("a2 OK SEARCH completed", await client.ReadLineAsync());
        await client.SendAsync("a3 SEARCH ALL\r\n");
        Assert.Equal("* BYE [UNAVAILABLE] The mail server sent a response FrontDoor cannot relay", await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
        await backend.Completion;
    }

    [Fact]
    public async Task A_client_that_closes_mid_literal_closes_the_backend_connection()
    {
        // docs/PROTOCOL.md, case 21: 3 of 5 octets, then the client is gone; nothing more reaches the backend.
        var closed = new TaskCompletionSource<string>();
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 APPEND INBOX {5+}");
            closed.SetResult(await b.IsClosedAsync() ? "closed" : "open");
        });
        await using var frontDoor = await StartFrontDoorAsync(backend);
        var client = await LoginAsync(frontDoor);
        await client.SendAsync("a2 APPEND INBOX {5+}\r\nhel");
        await Task.Delay(100);
        await client.DisposeAsync();
        Assert.Equal("closed", await closed.Task.WaitAsync(TimeSpan.FromSeconds(15)));
        await backend.Completion;
        Assert.EndsWith("a2 APPEND INBOX {5+}\r\nhel", backend.Received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_backend_at_its_session_cap_answers_no_limit_and_a_referral_route_answers_no_referral()
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.IsClosedAsync();
        });
        await using var frontDoor = await TestFrontDoor.StartAsync($"""
            <backends><backend name="fake" endpoint="127.0.0.1:{backend.Port}" maxSessions="1" /></backends>
            <routing default="fake"><route user="mallory" referral="imap://mallory@new.example.com/" /></routing>
            """);
        await using var first = await LoginAsync(frontDoor);
        await using var second = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await second.ReadLineAsync();
        await second.SendAsync("b1 LOGIN bob secret\r\n");
        Assert.Equal("b1 NO [LIMIT] Too many sessions on this mail server, try again later", await second.ReadLineAsync());
        await second.SendAsync("b2 LOGIN mallory secret\r\n");
        Assert.Equal("b2 NO [REFERRAL imap://mallory@new.example.com/] Your mailbox is on another server", await second.ReadLineAsync());
    }

    [Fact]
    public async Task Stopping_lets_the_command_in_flight_finish_before_bye()
    {
        var commandArrived = new TaskCompletionSource();
        var stopping = new TaskCompletionSource();
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 SEARCH ALL");
            commandArrived.SetResult();
            await stopping.Task;
            await b.SendAsync("* SEARCH 1 2 3\r\na2 OK SEARCH completed\r\n");
            await b.IsClosedAsync();
        });
        var frontDoor = await StartFrontDoorAsync(backend);
        await using var client = await LoginAsync(frontDoor);
        await client.SendAsync("a2 SEARCH ALL\r\n");
        await commandArrived.Task;
        var stop = frontDoor.DisposeAsync().AsTask();
        stopping.SetResult();
        Assert.Equal("* SEARCH 1 2 3", await client.ReadLineAsync());
        Assert.Equal("a2 OK SEARCH completed", await client.ReadLineAsync());
        Assert.Equal("* BYE [UNAVAILABLE] FrontDoor is shutting down, please reconnect", await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
        await stop;
        await backend.Completion;
    }

    [Fact]
    public async Task Stopping_frontdoor_says_bye_to_every_session()
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.IsClosedAsync();
        });
        var frontDoor = await StartFrontDoorAsync(backend);
        await using var client = await LoginAsync(frontDoor);
        await using var waiting = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        Assert.StartsWith("* OK", await waiting.ReadLineAsync(), StringComparison.Ordinal);
        await frontDoor.DisposeAsync();
        Assert.Equal("* BYE [UNAVAILABLE] FrontDoor is shutting down, please reconnect", await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
        Assert.Equal("* BYE [UNAVAILABLE] FrontDoor is shutting down, please reconnect", await waiting.ReadLineAsync());
        await backend.Completion;
    }
}
