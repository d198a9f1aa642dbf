using System.Text;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.IntegrationTests.OAuth;

/// <summary>
/// oauthIntrospection: FrontDoor checks the token itself (RFC 7662) before it connects to a backend, and
/// keeps positive answers until the token's exp.
/// </summary>
public class OAuthIntrospectionTests : IClassFixture<OAuthFixture>
{
    private readonly OAuthFixture _fixture;

    public OAuthIntrospectionTests(OAuthFixture fixture)
    {
        _fixture = fixture;
    }

    private static Task<TestFrontDoor> StartAsync(int oauthPort, int passwordPort, Uri introspection) =>
        TestFrontDoor.StartWithListenerAsync(
            $"""<listener name="imap" endpoint="127.0.0.1:0" tls="none" saslMechanisms="{OAuthFixture.Mechanisms}" oauthIntrospection="{introspection}" />""",
            OAuthFixture.Body(oauthPort, passwordPort, string.Empty));

    private static string OAuthBearer(string user, string token) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"n,a={user},\u0001auth=Bearer {token}\u0001\u0001"));

    private static string XOAuth2(string user, string token) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"user={user}\u0001auth=Bearer {token}\u0001\u0001"));

    [Theory]
    [InlineData("OAUTHBEARER", "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=", "AQ==")]
    [InlineData("XOAUTH2", "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0=", "")]
    public async Task A_refused_token_costs_no_backend_connection(string mechanism, string error, string dummy)
    {
        // Both backends are ports nobody listens on: any attempt to reach one would answer NO [UNAVAILABLE].
        var dead = DeadPort();
        await using var frontDoor = await StartAsync(dead, dead, _fixture.Tokens.IntrospectionUrl);
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();

        var expired = _fixture.Tokens.Issue("bob", TimeSpan.FromMinutes(-5));
        var before = _fixture.Tokens.Introspections;
        var message = mechanism == "XOAUTH2" ? XOAuth2("bob", expired) : OAuthBearer("bob", expired);
        await client.SendAsync($"a1 AUTHENTICATE {mechanism} {message}\r\n");
        Assert.Equal($"+ {error}", await client.ReadLineAsync());
        await client.SendAsync(dummy + "\r\n");
        Assert.Equal("a1 NO [AUTHENTICATIONFAILED] Authentication failed.", await client.ReadLineAsync());
        Assert.Equal(before + 1, _fixture.Tokens.Introspections);

        // Bob's good token, claimed for alice: the introspection's username is not hers.
        var bobs = _fixture.Tokens.Issue("bob");
        await client.SendAsync($"a2 AUTHENTICATE {mechanism} {(mechanism == "XOAUTH2" ? XOAuth2("alice", bobs) : OAuthBearer("alice", bobs))}\r\n");
        Assert.Equal($"+ {error}", await client.ReadLineAsync());
        await client.SendAsync(dummy + "\r\n");
        Assert.Equal("a2 NO [AUTHENTICATIONFAILED] Authentication failed.", await client.ReadLineAsync());
    }

    [Fact]
    public async Task A_good_token_is_checked_once_then_remembered_until_it_expires()
    {
        await using var frontDoor = await StartAsync(_fixture.OAuthBackend.Port, _fixture.PasswordBackend.Port, _fixture.Tokens.IntrospectionUrl);
        var token = _fixture.Tokens.Issue("bob");
        var counts = new List<int>();
        for (var login = 0; login < 2; login++)
        {
            var before = _fixture.Tokens.Introspections;
            await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
            await client.ReadLineAsync();
            await client.SendAsync($"a1 AUTHENTICATE OAUTHBEARER {OAuthBearer("bob", token)}\r\n");
            Assert.StartsWith("a1 OK [CAPABILITY ", await client.ReadLineAsync());
            counts.Add(_fixture.Tokens.Introspections - before);
        }

        // First login: FrontDoor and Dovecot each ask; second: only Dovecot (FrontDoor remembers).
        Assert.Equal([2, 1], counts);
    }

    [Fact]
    public async Task An_introspection_endpoint_that_does_not_answer_gives_unavailable()
    {
        var dead = DeadPort();
        await using var frontDoor = await StartAsync(_fixture.OAuthBackend.Port, _fixture.PasswordBackend.Port, new Uri($"http://127.0.0.1:{dead}/introspect"));
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync($"a1 AUTHENTICATE XOAUTH2 {XOAuth2("bob", _fixture.Tokens.Issue("bob"))}\r\n");
        Assert.Equal("a1 NO [UNAVAILABLE] The token cannot be checked now, try again later", await client.ReadLineAsync());
    }

    /// <summary>A loopback port nobody listens on.</summary>
    private static int DeadPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
