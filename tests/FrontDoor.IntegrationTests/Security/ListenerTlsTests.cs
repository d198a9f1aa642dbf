using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Xunit;

namespace FrontDoor.IntegrationTests.Security;

/// <summary>TLS on FrontDoor's listeners, with a certificate from a test-made CA that MailKit validates.</summary>
public sealed class ListenerTlsTests : IAsyncLifetime, IDisposable
{
    private static readonly Dictionary<string, string> Users = new() { ["bob"] = "bob-pw" };
    private readonly TestCertificates _certificates = new();
    private DovecotServer _dovecot = null!;

    private string Backend => $"""<backends><backend name="d" endpoint="127.0.0.1:{_dovecot.Port}" /></backends><routing default="d" />""";

    public async Task InitializeAsync() => _dovecot = await DovecotServer.StartAsync(Users);

    public async Task DisposeAsync() => await _dovecot.DisposeAsync();

    public void Dispose() => _certificates.Dispose();

    private ImapClient ValidatingClient() => new() { ServerCertificateValidationCallback = (_, certificate, _, _) => _certificates.TrustedByTestCa(certificate) };

    [Fact]
    public async Task Implicit_tls_with_a_pem_certificate_serves_mailkit()
    {
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            $"""<listener name="imap" endpoint="127.0.0.1:0" tls="implicit" certificate="{_certificates.CertificatePem}" certificateKey="{_certificates.KeyPem}" />""", Backend);
        using var client = ValidatingClient();
        await client.ConnectAsync("localhost", frontDoor.Endpoint.Port, SecureSocketOptions.SslOnConnect);
        Assert.True(client.IsSecure);
        await client.AuthenticateAsync("bob", "bob-pw");
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Starttls_with_a_pfx_certificate_hides_login_until_tls()
    {
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            $"""<listener name="imap" endpoint="127.0.0.1:0" tls="starttls" certificate="{_certificates.Pfx}" certificatePassword="pfx-secret" />""", Backend);

        // Before STARTTLS: LOGINDISABLED, no AUTH=, and LOGIN is refused without looking at the password.
        await using (var raw = await RawImapClient.ConnectAsync(frontDoor.Endpoint))
        {
            Assert.Equal("* OK [CAPABILITY IMAP4rev1 LOGIN-REFERRALS ID LITERAL+ STARTTLS LOGINDISABLED] FrontDoor IMAP proxy ready", await raw.ReadLineAsync());
            await raw.SendAsync("a1 LOGIN bob bob-pw\r\n");
            Assert.Equal("a1 NO [PRIVACYREQUIRED] Use STARTTLS first", await raw.ReadLineAsync());
            await raw.SendAsync("a2 AUTHENTICATE PLAIN AGJvYgBib2ItcHc=\r\n");
            Assert.Equal("a2 NO [PRIVACYREQUIRED] Use STARTTLS first", await raw.ReadLineAsync());
        }

        using var client = ValidatingClient();
        await client.ConnectAsync("localhost", frontDoor.Endpoint.Port, SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        await client.AuthenticateAsync("bob", "bob-pw");
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Commands_pipelined_after_starttls_in_the_same_packet_are_discarded()
    {
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            $"""<listener name="imap" endpoint="127.0.0.1:0" tls="starttls" certificate="{_certificates.CertificatePem}" certificateKey="{_certificates.KeyPem}" />""", Backend);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(frontDoor.Endpoint);
        var plain = tcp.GetStream();
        var reader = new StreamReader(plain, Encoding.ASCII);
        Assert.StartsWith("* OK", await reader.ReadLineAsync(), StringComparison.Ordinal);
        await plain.WriteAsync("a1 STARTTLS\r\na2 CAPABILITY\r\n"u8.ToArray());
        Assert.Equal("a1 OK Begin TLS negotiation now", await reader.ReadLineAsync());

        await using var tls = new SslStream(plain, leaveInnerStreamOpen: true, (_, certificate, _, _) => _certificates.TrustedByTestCa(certificate));
        await tls.AuthenticateAsClientAsync("localhost");
        await tls.WriteAsync("a3 NOOP\r\n"u8.ToArray());
        var secure = new StreamReader(tls, Encoding.ASCII);

        // The injected a2 was never run: the first answer over TLS is a3's.
        Assert.Equal("a3 OK NOOP completed", await secure.ReadLineAsync());
        await tls.WriteAsync("a4 CAPABILITY\r\n"u8.ToArray());
        Assert.Equal("* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID LITERAL+ AUTH=PLAIN AUTH=LOGIN", await secure.ReadLineAsync());
    }

    [Fact]
    public async Task A_missing_certificate_stops_start_up_naming_the_listener()
    {
        var error = await Assert.ThrowsAsync<FrontDoor.Core.Hooks.FrontDoorConfigurationException>(() => TestFrontDoor.StartWithListenerAsync(
            """<listener name="imaps" endpoint="127.0.0.1:0" tls="implicit" certificate="/nonexistent/server.pfx" />""", Backend));
        Assert.StartsWith("<listener name=\"imaps\"> certificate=\"/nonexistent/server.pfx\": file not found", error.Message, StringComparison.Ordinal);
    }
}
