using System.Text;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>
/// Exact bytes of a token login replayed to a backend, against the scripted FAKE backend: the continuation
/// form for a backend without SASL-IR (real Dovecot always has SASL-IR), and a client that leaves in the
/// middle of the error exchange. The end-to-end behaviour is tested against real Dovecot (OAuth folder of
/// the integration tests).
/// </summary>
public class OAuthWireTests
{
    private static readonly string Message = Convert.ToBase64String(Encoding.ASCII.GetBytes("user=alice\u0001auth=Bearer ya29.token\u0001\u0001"));
    private const string GoogleError = "eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==";

    private static Task<TestFrontDoor> StartFrontDoorAsync(ScriptedBackend backend) =>
        TestFrontDoor.StartWithListenerAsync(
            """<listener name="imap" endpoint="127.0.0.1:0" tls="none" saslMechanisms="XOAUTH2" />""",
            $"""
            <backends><backend name="fake" endpoint="127.0.0.1:{backend.Port}" /></backends><routing default="fake" />
            <limits authFailureDelay="0.001" maxAuthFailureDelay="0.001" />
            """);

    [Fact]
    public async Task Without_sasl_ir_the_message_follows_the_backends_continuation_and_its_error_is_relayed_exactly()
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2] ready\r\n");
            await b.ExpectLineAsync("fd1 AUTHENTICATE XOAUTH2");
            await b.SendAsync("+ \r\n");
            await b.ExpectLineAsync(Message);
            await b.SendAsync($"+ {GoogleError}\r\n");
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync("fd1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n");
            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await StartFrontDoorAsync(backend);
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 AUTHENTICATE XOAUTH2\r\n");
        Assert.Equal("+ ", await client.ReadLineAsync());
        await client.SendAsync(Message + "\r\n");
        Assert.Equal($"+ {GoogleError}", await client.ReadLineAsync());
        await client.SendAsync("\r\n");
        Assert.Equal("a1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)", await client.ReadLineAsync());
        await backend.Completion;
    }

    [Fact]
    public async Task A_client_that_leaves_during_the_error_exchange_cancels_it_on_the_backend()
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] ready\r\n");
            await b.ExpectLineAsync($"fd1 AUTHENTICATE XOAUTH2 {Message}");
            await b.SendAsync($"+ {GoogleError}\r\n");

            // RFC 9051 section 6.2.2: "*" ends the exchange; nothing else of the client's reaches the backend.
            await b.ExpectLineAsync("*");
            await b.SendAsync("fd1 BAD Authentication cancelled\r\n");
            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await StartFrontDoorAsync(backend);
        var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync($"a1 AUTHENTICATE XOAUTH2 {Message}\r\n");
        Assert.Equal($"+ {GoogleError}", await client.ReadLineAsync());
        await client.DisposeAsync();
        await backend.Completion;
    }

    [Fact]
    public async Task A_backend_without_the_mechanism_gets_no_login_at_all()
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n");
            Assert.True(await b.IsClosedAsync());
            Assert.DoesNotContain("AUTHENTICATE", b.Received, StringComparison.Ordinal);
        });
        await using var frontDoor = await StartFrontDoorAsync(backend);
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync($"a1 AUTHENTICATE XOAUTH2 {Message}\r\n");
        Assert.Equal("a1 NO [AUTHENTICATIONFAILED] XOAUTH2 is not supported for this account", await client.ReadLineAsync());
        await backend.Completion;
    }

    [Theory]
    [InlineData(true, "* BYE [TOOBIG] Command line too long")]
    [InlineData(false, "* BYE [TOOBIG] Authentication response too long")]
    public async Task A_response_over_the_command_line_limit_gets_a_clear_bye(bool initialResponse, string bye)
    {
        // maxCommandLine is 65536 by default: a 64 KiB token is over it once in base64.
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            """<listener name="imap" endpoint="127.0.0.1:0" tls="none" saslMechanisms="XOAUTH2" />""",
            $"<backends><backend name=\"gone\" endpoint=\"127.0.0.1:{PreAuthTranscriptTests.FreePort()}\" /></backends><routing default=\"gone\" />");
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        var huge = Convert.ToBase64String(Encoding.ASCII.GetBytes($"user=bob\u0001auth=Bearer {new string('A', 64 * 1024)}\u0001\u0001"));
        if (initialResponse)
        {
            await client.SendAsync($"a1 AUTHENTICATE XOAUTH2 {huge}\r\n");
        }
        else
        {
            await client.SendAsync("a1 AUTHENTICATE XOAUTH2\r\n");
            Assert.Equal("+ ", await client.ReadLineAsync());
            await client.SendAsync(huge + "\r\n");
        }

        Assert.Equal(bye, await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
    }
}
