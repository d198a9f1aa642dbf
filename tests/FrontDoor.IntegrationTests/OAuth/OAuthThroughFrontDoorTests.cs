using System.Text;
using FrontDoor.Testing;
using MailKit.Net.Imap;
using MailKit.Security;
using Xunit;

namespace FrontDoor.IntegrationTests.OAuth;

/// <summary>OAuth 2.0 logins (OAUTHBEARER, XOAUTH2) through FrontDoor to a real Dovecot with the oauth2 passdb.</summary>
public class OAuthThroughFrontDoorTests : IClassFixture<OAuthFixture>
{
    private readonly OAuthFixture _fixture;

    public OAuthThroughFrontDoorTests(OAuthFixture fixture)
    {
        _fixture = fixture;
    }

    private static SaslMechanism Mechanism(string name, string user, string token) => name switch
    {
        "OAUTHBEARER" => new SaslMechanismOAuthBearer(user, token),
        _ => new SaslMechanismOAuth2(user, token),
    };

    private async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        await client.ConnectAsync(_fixture.FrontDoor.Endpoint.Address.ToString(), _fixture.FrontDoor.Endpoint.Port, SecureSocketOptions.None);
        return client;
    }

    [Fact]
    public async Task The_listener_offers_the_configured_mechanisms()
    {
        using var client = await ConnectAsync();
        Assert.Contains("OAUTHBEARER", client.AuthenticationMechanisms);
        Assert.Contains("XOAUTH2", client.AuthenticationMechanisms);
        Assert.Contains("PLAIN", client.AuthenticationMechanisms);
    }

    [Theory]
    [InlineData("OAUTHBEARER")]
    [InlineData("XOAUTH2")]
    public async Task A_good_token_logs_in(string mechanism)
    {
        using var client = await ConnectAsync();
        await client.AuthenticateAsync(Mechanism(mechanism, "bob", _fixture.Tokens.Issue("bob")));
        Assert.True(client.IsAuthenticated);
        var inbox = client.Inbox;
        await inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        await client.DisconnectAsync(quit: true);
    }

    [Theory]
    [InlineData("OAUTHBEARER")]
    [InlineData("XOAUTH2")]
    public async Task An_expired_token_is_refused_and_the_client_can_retry_with_a_fresh_one(string mechanism)
    {
        using var client = await ConnectAsync();
        var expired = _fixture.Tokens.Issue("bob", TimeSpan.FromMinutes(-5));
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(Mechanism(mechanism, "bob", expired)));
        Assert.True(client.IsConnected);
        await client.AuthenticateAsync(Mechanism(mechanism, "bob", _fixture.Tokens.Issue("bob")));
        Assert.True(client.IsAuthenticated);
    }

    [Theory]
    [InlineData("OAUTHBEARER")]
    [InlineData("XOAUTH2")]
    public async Task A_token_of_one_user_claiming_another_is_refused_by_the_backend(string mechanism)
    {
        using var client = await ConnectAsync();
        var bobsToken = _fixture.Tokens.Issue("bob");
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(Mechanism(mechanism, "alice", bobsToken)));
        Assert.False(client.IsAuthenticated);
    }

    [Theory]
    [InlineData("OAUTHBEARER", "bixhPWNhcm9sLAFhdXRoPUJlYXJlciBhYmMBAQ==")]
    [InlineData("XOAUTH2", "dXNlcj1jYXJvbAFhdXRoPUJlYXJlciBhYmMBAQ==")]
    public async Task A_user_on_a_backend_without_the_mechanism_gets_a_clean_no(string mechanism, string message)
    {
        // message: carol with the token "abc"; carol is routed to the backend that has passwords only.
        await using var client = await RawImapClient.ConnectAsync(_fixture.FrontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync($"a1 AUTHENTICATE {mechanism} {message}\r\n");
        Assert.Equal($"a1 NO [AUTHENTICATIONFAILED] {mechanism} is not supported for this account", await client.ReadLineAsync());

        // The session is still usable; carol's password still works there.
        await client.SendAsync("a2 LOGIN carol carol-pw\r\n");
        Assert.StartsWith("a2 OK ", (await client.ReadUntilAsync("a2 ")).Last());
    }

    [Fact]
    public async Task An_oauthbearer_failure_is_relayed_byte_for_byte()
    {
        var expired = _fixture.Tokens.Issue("bob", TimeSpan.FromMinutes(-5));
        var message = Convert.ToBase64String(Encoding.ASCII.GetBytes($"n,a=bob,\u0001host=127.0.0.1\u0001port=143\u0001auth=Bearer {expired}\u0001\u0001"));
        await using var client = await RawImapClient.ConnectAsync(_fixture.FrontDoor.Endpoint);
        await client.ReadLineAsync();

        // Without SASL-IR: FrontDoor's own "+ ", then the message.
        await client.SendAsync("a1 AUTHENTICATE OAUTHBEARER\r\n");
        Assert.Equal("+ ", await client.ReadLineAsync());
        await client.SendAsync(message + "\r\n");

        // RFC 7628 section 3.2.2: the backend's JSON error as a continuation, the client's %x01, then NO.
        var challenge = await client.ReadLineAsync();
        Assert.NotNull(challenge);
        Assert.StartsWith("+ ", challenge);
        var error = Encoding.UTF8.GetString(Convert.FromBase64String(challenge[2..]));
        Assert.Contains("\"status\":\"invalid_token\"", error, StringComparison.Ordinal);
        await client.SendAsync("AQ==\r\n");
        Assert.Equal("a1 NO [AUTHENTICATIONFAILED] Authentication failed.", await client.ReadLineAsync());

        // The same connection logs in with a fresh token (SASL-IR this time).
        var fresh = Convert.ToBase64String(Encoding.ASCII.GetBytes($"n,a=bob,\u0001auth=Bearer {_fixture.Tokens.Issue("bob")}\u0001\u0001"));
        await client.SendAsync($"a2 AUTHENTICATE OAUTHBEARER {fresh}\r\n");
        Assert.StartsWith("a2 OK [CAPABILITY ", await client.ReadLineAsync());
    }

    [Fact]
    public async Task An_xoauth2_failure_is_relayed_byte_for_byte()
    {
        var expired = _fixture.Tokens.Issue("bob", TimeSpan.FromMinutes(-5));
        var message = Convert.ToBase64String(Encoding.ASCII.GetBytes($"user=bob\u0001auth=Bearer {expired}\u0001\u0001"));
        await using var client = await RawImapClient.ConnectAsync(_fixture.FrontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync($"a1 AUTHENTICATE XOAUTH2 {message}\r\n");
        var challenge = await client.ReadLineAsync();
        Assert.NotNull(challenge);
        Assert.StartsWith("+ ", challenge);
        var error = Encoding.UTF8.GetString(Convert.FromBase64String(challenge[2..]));
        Assert.Contains("\"status\":\"401\"", error, StringComparison.Ordinal);

        // XOAUTH2's dummy response is an empty line.
        await client.SendAsync("\r\n");
        Assert.Equal("a1 NO [AUTHENTICATIONFAILED] Authentication failed.", await client.ReadLineAsync());
        await client.SendAsync("a2 NOOP\r\n");
        Assert.Equal("a2 OK NOOP completed", await client.ReadLineAsync());
    }
}
