using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using MailKit.Net.Imap;
using MailKit.Security;
using Xunit;

namespace FrontDoor.IntegrationTests.OAuth;

/// <summary>
/// A token login for a user on a real legacy backend (Courier-IMAP: no AUTH=XOAUTH2, no AUTH=OAUTHBEARER),
/// seen through a wiretap: a clean NO, and nothing of a login reaches the backend; the password still works.
/// </summary>
public sealed class OAuthLegacyBackendTests : IAsyncLifetime
{
    private CourierServer _courier = null!;
    private RecordingTap _tap = null!;
    private TestFrontDoor _frontDoor = null!;

    public async Task InitializeAsync()
    {
        _courier = await CourierServer.StartAsync(new Dictionary<string, string> { ["alice"] = "alice-pw" });
        _tap = RecordingTap.Start(_courier.Host, _courier.Port);
        _frontDoor = await TestFrontDoor.StartWithListenerAsync(
            $"""<listener name="imap" endpoint="127.0.0.1:0" tls="none" saslMechanisms="{OAuthFixture.Mechanisms}" />""",
            $"""<backends><backend name="legacy" endpoint="127.0.0.1:{_tap.Port}" /></backends><routing default="legacy" /><limits authFailureDelay="0.001" maxAuthFailureDelay="0.001" />""");
    }

    public async Task DisposeAsync()
    {
        await _frontDoor.DisposeAsync();
        await _tap.DisposeAsync();
        await _courier.DisposeAsync();
    }

    [Theory]
    [InlineData("OAUTHBEARER")]
    [InlineData("XOAUTH2")]
    public async Task A_token_login_gets_a_clean_no_and_no_password_is_substituted(string mechanism)
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", _frontDoor.Endpoint.Port, SecureSocketOptions.None);
        SaslMechanism sasl = mechanism == "XOAUTH2" ? new SaslMechanismOAuth2("alice", "token-abc") : new SaslMechanismOAuthBearer("alice", "token-abc");
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(sasl));
        Assert.True(_tap.Accepted > 0);
        Assert.DoesNotContain("AUTHENTICATE", _tap.SentToBackend, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("LOGIN", _tap.SentToBackend, StringComparison.OrdinalIgnoreCase);

        // The same connection logs in with the password.
        await client.AuthenticateAsync("alice", "alice-pw");
        Assert.True(client.IsAuthenticated);
    }

    [Fact]
    public async Task The_no_names_the_mechanism()
    {
        await using var client = await RawImapClient.ConnectAsync(_frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 AUTHENTICATE XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciB4AQE=\r\n");
        Assert.Equal("a1 NO [AUTHENTICATIONFAILED] XOAUTH2 is not supported for this account", await client.ReadLineAsync());
    }
}
