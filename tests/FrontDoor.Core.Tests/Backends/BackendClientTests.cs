using System.Net;
using System.Text;
using FrontDoor.Core.Backends;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Sasl;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Backends;

/// <summary>
/// FrontDoor's own conversation with a backend before the relay: exact bytes against the in-process scripted
/// FAKE backend (<see cref="ScriptedBackend"/>), which fails on any line it does not expect. Real servers
/// take this path in every integration test; the fake covers answers they cannot be made to give.
/// </summary>
public class BackendClientTests
{
    private static async Task<T> TalkAsync<T>(ScriptedBackend backend, Func<BackendClient, Task<T>> conversation)
    {
        await using var connection = await InMemoryBackends.Network.ConnectAsync(backend.Endpoint, client: null, CancellationToken.None);
        return await conversation(new BackendClient(connection, 65536));
    }

    /// <summary>A password login never relays a backend challenge to the client.</summary>
    private static readonly ClientChallenge NoChallenge = (_, _) => Task.FromResult<byte[]?>(null);

    /// <summary>Reads the greeting, then logs in; an exception comes back as a faulted task.</summary>
    private static Task<BackendResponse> GreetAndLogInAsync(ScriptedBackend backend, LoginCredentials credentials) =>
        TalkAsync(backend, async client =>
        {
            await client.ReadGreetingAsync(CancellationToken.None);
            return await client.LoginAsync(credentials, NoChallenge, CancellationToken.None);
        });

    private static LoginCredentials Credentials(string user, string password, string? authzid = null) =>
        new(user, Encoding.UTF8.GetBytes(password), authzid);

    [Fact]
    public async Task A_greeting_without_capabilities_is_followed_by_capability_and_login_quotes_what_it_can()
    {
        await using var backend = ScriptedBackend.InMemory(async b =>
        {
            await b.SendAsync("* OK ready\r\n");
            await b.ExpectLineAsync("fd1 CAPABILITY");
            await b.SendAsync("* CAPABILITY IMAP4rev1 IDLE\r\nfd1 OK done\r\n");
            await b.ExpectLineAsync("fd2 LOGIN \"alice\" \"pa\\\"ss\\\\word\"");
            await b.SendAsync("fd2 OK [CAPABILITY IMAP4rev1 IDLE MOVE] Logged in\r\n");
        });
        var (response, capabilities) = await TalkAsync(backend, async client =>
        {
            await client.ReadGreetingAsync(CancellationToken.None);
            Assert.Equal(["IMAP4rev1", "IDLE"], client.Capabilities);
            var response = await client.LoginAsync(Credentials("alice", "pa\"ss\\word"), NoChallenge, CancellationToken.None);
            return (response, client.Capabilities);
        });
        await backend.Completion;
        Assert.True(response.IsOk);
        Assert.Equal(["IMAP4rev1", "IDLE", "MOVE"], capabilities);
    }

    [Fact]
    public async Task A_password_that_cannot_be_quoted_goes_as_a_synchronizing_literal_after_the_continuation()
    {
        await using var backend = ScriptedBackend.InMemory(async b =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1] ready\r\n");
            await b.ExpectLineAsync("fd1 LOGIN \"alice\" {7}");
            await b.SendAsync("+ OK\r\n");
            Assert.Equal("sécré"u8.ToArray(), await b.ReadBytesAsync(7));
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync("fd1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
        });
        var response = await GreetAndLogInAsync(backend, Credentials("alice", "sécré"));
        await backend.Completion;
        Assert.False(response.IsOk);
        Assert.Equal("NO [AUTHENTICATIONFAILED] Authentication failed.", response.StatusAndText);
    }

    [Fact]
    public async Task A_refused_literal_returns_the_refusal_and_sends_no_password()
    {
        await using var backend = ScriptedBackend.InMemory(async b =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1] ready\r\n");
            await b.ExpectLineAsync("fd1 LOGIN {5}");
            await b.SendAsync("fd1 BAD no literals here\r\n");
            Assert.True(await b.IsClosedAsync());
        });
        var response = await GreetAndLogInAsync(backend, Credentials("bj\nrn", "secret"));
        await backend.Completion;
        Assert.Equal("BAD no literals here", response.StatusAndText);
        Assert.DoesNotContain("secret", backend.Received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logindisabled_with_auth_plain_logs_in_with_authenticate_plain_waiting_for_the_continuation()
    {
        await using var backend = ScriptedBackend.InMemory(async b =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1 LOGINDISABLED AUTH=PLAIN] ready\r\n");
            await b.ExpectLineAsync("fd1 AUTHENTICATE PLAIN");
            await b.SendAsync("+ \r\n");
            await b.ExpectLineAsync(Convert.ToBase64String("\0alice\0secret"u8.ToArray()));
            await b.SendAsync("fd1 OK Logged in\r\n");
        });
        var response = await GreetAndLogInAsync(backend, Credentials("alice", "secret"));
        await backend.Completion;
        Assert.True(response.IsOk);
    }

    [Fact]
    public async Task An_authorization_id_is_sent_in_authenticate_plain_with_sasl_ir()
    {
        await using var backend = ScriptedBackend.InMemory(async b =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n");
            await b.ExpectLineAsync("fd1 AUTHENTICATE PLAIN " + Convert.ToBase64String("shared\0alice\0secret"u8.ToArray()));
            await b.SendAsync("fd1 OK Logged in\r\n");
        });
        var response = await GreetAndLogInAsync(backend, Credentials("alice", "secret", "shared"));
        await backend.Completion;
        Assert.True(response.IsOk);
    }

    [Fact]
    public async Task No_password_goes_to_a_backend_with_logindisabled_and_no_auth_plain()
    {
        await using var backend = ScriptedBackend.InMemory(async b =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n");
            Assert.True(await b.IsClosedAsync());
        });
        var error = await Assert.ThrowsAnyAsync<Exception>(() => GreetAndLogInAsync(backend, Credentials("alice", "secret")));
        await backend.Completion;
        Assert.Contains("LOGINDISABLED", error.Message, StringComparison.Ordinal);
        Assert.Equal(string.Empty, backend.Received);
    }

    [Theory]
    [InlineData("* PREAUTH [CAPABILITY IMAP4rev1] logged in already")]
    [InlineData("* BYE too busy")]
    public async Task A_greeting_other_than_ok_is_refused(string greeting)
    {
        await using var backend = ScriptedBackend.InMemory(async b =>
        {
            await b.SendAsync(greeting + "\r\n");
            Assert.True(await b.IsClosedAsync());
        });
        var error = await TalkAsync(backend, client => Assert.ThrowsAnyAsync<Exception>(async () => await client.ReadGreetingAsync(CancellationToken.None)));
        await backend.Completion;
        Assert.StartsWith("unexpected greeting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bye_before_the_tagged_answer_is_an_error()
    {
        await using var backend = ScriptedBackend.InMemory(async b =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1] ready\r\n");
            await b.ExpectLineAsync("fd1 LOGIN \"alice\" \"secret\"");
            await b.SendAsync("* BYE shutting down\r\n");
            Assert.True(await b.IsClosedAsync());
        });
        var error = await Assert.ThrowsAnyAsync<Exception>(() => GreetAndLogInAsync(backend, Credentials("alice", "secret")));
        await backend.Completion;
        Assert.Equal("the backend said BYE", error.Message);
    }

    [Fact]
    public async Task Client_address_goes_in_an_id_command_and_a_refusal_is_not_an_error()
    {
        await using var backend = ScriptedBackend.InMemory(async b =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1 ID] ready\r\n");
            await b.ExpectLineAsync("fd1 ID (\"x-originating-ip\" \"192.0.2.7\" \"x-originating-port\" \"50123\" \"x-connected-ip\" \"127.0.0.1\" \"x-connected-port\" \"1143\" \"x-session-id\" \"abc123\")");
            await b.SendAsync("fd1 NO not trusted\r\n");
        });
        await TalkAsync(backend, async client =>
        {
            await client.ReadGreetingAsync(CancellationToken.None);
            var origin = new ClientOrigin(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 50123), new IPEndPoint(IPAddress.Loopback, 1143), "abc123");
            await client.SendClientAddressAsync(origin, CancellationToken.None);
            return true;
        });
        await backend.Completion;
    }

    [Fact]
    public async Task The_backend_closing_mid_conversation_is_an_io_error()
    {
        await using var backend = ScriptedBackend.InMemory(async b =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1] ready\r\n");
            await b.ExpectLineAsync("fd1 LOGIN \"alice\" \"secret\"");
            await b.DisposeAsync();
        });
        await Assert.ThrowsAsync<IOException>(() => GreetAndLogInAsync(backend, Credentials("alice", "secret")));
        await backend.Completion;
    }
}
