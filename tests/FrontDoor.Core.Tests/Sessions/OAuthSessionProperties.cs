using System.Text;
using FrontDoor.Core.Tests.Protocol.Sasl;
using FrontDoor.Testing;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>
/// Hostile OAUTHBEARER and XOAUTH2 logins against a real FrontDoor host: each gets a tagged BAD or NO (a
/// well-formed one is routed, to a backend nobody listens on: NO [UNAVAILABLE]), and the session answers
/// the next command.
/// </summary>
public sealed class OAuthSessionProperties : IAsyncLifetime
{
    private TestFrontDoor _frontDoor = null!;

    public async Task InitializeAsync()
    {
        var deadPort = Sessions.PreAuthTranscriptTests.FreePort();
        _frontDoor = await TestFrontDoor.StartWithListenerAsync(
            """<listener name="imap" endpoint="127.0.0.1:0" tls="none" saslMechanisms="OAUTHBEARER XOAUTH2" />""",
            $"""
            <backends><backend name="gone" endpoint="127.0.0.1:{deadPort}" connectTimeout="1" /></backends>
            <routing default="gone" />
            <limits maxCommandLine="262144" maxFailedLogins="100000" authFailureDelay="0.001" maxAuthFailureDelay="0.001" />
            """);
    }

    public async Task DisposeAsync() => await _frontDoor.DisposeAsync();

    private async Task<bool> AnswersAndStaysUsableAsync(string mechanism, byte[] message, bool initialResponse)
    {
        await using var client = await RawImapClient.ConnectAsync(_frontDoor.Endpoint);
        await client.ReadLineAsync();
        var encoded = message.Length == 0 ? "=" : Convert.ToBase64String(message);
        if (initialResponse)
        {
            await client.SendAsync($"a1 AUTHENTICATE {mechanism} {encoded}\r\n");
        }
        else
        {
            await client.SendAsync($"a1 AUTHENTICATE {mechanism}\r\n");
            Assert.Equal("+ ", await client.ReadLineAsync());
            await client.SendAsync((message.Length == 0 ? string.Empty : encoded) + "\r\n");
        }

        var answer = await client.ReadLineAsync();
        Assert.True(answer is not null && (answer.StartsWith("a1 BAD ", StringComparison.Ordinal) || answer.StartsWith("a1 NO ", StringComparison.Ordinal)), $"answer: {answer}");
        await client.SendAsync("a2 NOOP\r\n");
        Assert.Equal("a2 OK NOOP completed", await client.ReadLineAsync());
        return true;
    }

    [Fact]
    public void Every_hostile_token_login_gets_bad_or_no_and_the_session_goes_on()
    {
        var cases = from message in OAuthMessages.Message
                    from mechanism in Gen.Elements("OAUTHBEARER", "XOAUTH2")
                    from initial in Gen.Elements(true, false)
                    select (message, mechanism, initial);
        Prop.ForAll(cases.ToArbitrary(), c => AnswersAndStaysUsableAsync(c.mechanism, c.message, c.initial).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Theory]
    [InlineData("!!not-base64!!")]
    [InlineData("bixhPWJvYiwBYXV0aD1CZWFyZXIgeAEB!")]
    public async Task A_response_that_is_not_base64_is_bad(string line)
    {
        await using var client = await RawImapClient.ConnectAsync(_frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync($"a1 AUTHENTICATE OAUTHBEARER {line}\r\n");
        Assert.Equal("a1 BAD Invalid base64 in authentication response", await client.ReadLineAsync());
        await client.SendAsync("a2 NOOP\r\n");
        Assert.Equal("a2 OK NOOP completed", await client.ReadLineAsync());
    }

    [Fact]
    public async Task A_mechanism_the_listener_does_not_offer_is_refused()
    {
        await using var client = await RawImapClient.ConnectAsync(_frontDoor.Endpoint);
        var greeting = await client.ReadLineAsync();
        Assert.Contains("AUTH=OAUTHBEARER AUTH=XOAUTH2]", greeting, StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH=PLAIN", greeting, StringComparison.Ordinal);
        await client.SendAsync($"a1 AUTHENTICATE PLAIN {Convert.ToBase64String(Encoding.ASCII.GetBytes("\0bob\0pw"))}\r\n");
        Assert.Equal("a1 NO Unsupported authentication mechanism", await client.ReadLineAsync());
    }
}
