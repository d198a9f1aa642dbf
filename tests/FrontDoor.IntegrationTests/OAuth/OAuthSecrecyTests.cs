using FrontDoor.IntegrationTests.Security;
using FrontDoor.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace FrontDoor.IntegrationTests.OAuth;

/// <summary>Tokens never reach a log or a protocol trace; OAuth follows a STARTTLS listener's LOGINDISABLED rules.</summary>
public class OAuthSecrecyTests : IClassFixture<OAuthFixture>
{
    private readonly OAuthFixture _fixture;

    public OAuthSecrecyTests(OAuthFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task A_token_is_neither_logged_nor_traced()
    {
        var traces = Directory.CreateTempSubdirectory("frontdoor-oauth-trace-").FullName;
        var capture = new CapturingLoggerProvider();
        var good = _fixture.Tokens.Issue("bob");
        var expired = _fixture.Tokens.Issue("bob", TimeSpan.FromMinutes(-5));
        try
        {
            await using (var frontDoor = await TestFrontDoor.StartWithListenerAsync(
                $"""<listener name="imap" endpoint="127.0.0.1:0" tls="none" saslMechanisms="{OAuthFixture.Mechanisms}" />""",
                OAuthFixture.Body(_fixture.OAuthBackend.Port, _fixture.PasswordBackend.Port, $"""<trace directory="{traces}" users="bob" />"""),
                services => services.AddSingleton<ILoggerProvider>(capture),
                "--Logging:LogLevel:Default", "Trace"))
            {
                using var client = new ImapClient();
                await client.ConnectAsync("127.0.0.1", frontDoor.Endpoint.Port, SecureSocketOptions.None);
                await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(new SaslMechanismOAuth2("bob", expired)));
                await client.AuthenticateAsync(new SaslMechanismOAuthBearer("bob", good));
                await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
                await client.DisconnectAsync(quit: true);
            }

            var trace = string.Concat(Directory.GetFiles(traces).Select(File.ReadAllText));
            Assert.Contains($"AUTHENTICATE OAUTHBEARER <token, {good.Length} octets>", trace, StringComparison.Ordinal);
            Assert.DoesNotContain(good, trace, StringComparison.Ordinal);
            var lines = capture.Lines;
            Assert.Contains(lines, l => l.Contains("bob", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains(good, StringComparison.Ordinal) || l.Contains(expired, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(traces, recursive: true);
        }
    }

    [Fact]
    public async Task On_a_starttls_listener_oauth_waits_for_tls_as_passwords_do()
    {
        using var certificates = new TestCertificates();
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            $"""<listener name="imap" endpoint="127.0.0.1:0" tls="starttls" certificate="{certificates.CertificatePem}" certificateKey="{certificates.KeyPem}" saslMechanisms="{OAuthFixture.Mechanisms}" />""",
            OAuthFixture.Body(_fixture.OAuthBackend.Port, _fixture.PasswordBackend.Port, string.Empty));

        await using (var raw = await RawImapClient.ConnectAsync(frontDoor.Endpoint))
        {
            Assert.Equal("* OK [CAPABILITY IMAP4rev1 LOGIN-REFERRALS ID LITERAL+ STARTTLS LOGINDISABLED] FrontDoor IMAP proxy ready", await raw.ReadLineAsync());
            await raw.SendAsync("a1 AUTHENTICATE XOAUTH2 dXNlcj1ib2IBYXV0aD1CZWFyZXIgeAEB\r\n");
            Assert.Equal("a1 NO [PRIVACYREQUIRED] Use STARTTLS first", await raw.ReadLineAsync());
        }

        using var client = new ImapClient { ServerCertificateValidationCallback = (_, certificate, _, _) => certificates.TrustedByTestCa(certificate) };
        await client.ConnectAsync("localhost", frontDoor.Endpoint.Port, SecureSocketOptions.StartTls);
        Assert.Contains("XOAUTH2", client.AuthenticationMechanisms);
        await client.AuthenticateAsync(new SaslMechanismOAuth2("bob", _fixture.Tokens.Issue("bob")));
        Assert.True(client.IsAuthenticated);
    }
}
