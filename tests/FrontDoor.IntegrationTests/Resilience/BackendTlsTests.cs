using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.IntegrationTests.Resilience;

/// <summary>A real Dovecot with ssl=required and a certificate made by the test: STARTTLS and implicit TLS to it, checked by pin and by CA file.</summary>
public sealed class BackendTlsTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Users = new() { ["bob"] = "bob-pw" };
    private readonly string _directory = Directory.CreateTempSubdirectory("fd-tls-").FullName;
    private DovecotServer _dovecot = null!;
    private string _pin = string.Empty;
    private int _imapsPort;

    private string CertificatePath => Path.Combine(_directory, "cert.pem");

    public async Task InitializeAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=backend.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("backend.test");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        await File.WriteAllTextAsync(CertificatePath, certificate.ExportCertificatePem());
        var keyPath = Path.Combine(_directory, "key.pem");
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            // Dovecot's unprivileged processes must reach the folder; the key stays root's.
            File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
        _pin = Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));

        // Both of Dovecot's listeners: STARTTLS on the instance's port, implicit TLS (imaps) on one of ours.
        _imapsPort = LoopbackPorts.Pick();
        _dovecot = await DovecotServer.StartAsync(Users, $$"""
            ssl = required
            ssl_cert = <{{CertificatePath}}
            ssl_key = <{{keyPath}}
            disable_plaintext_auth = yes
            service imap-login {
              inet_listener imaps {
                address = 127.0.0.1
                port = {{_imapsPort}}
                ssl = yes
              }
            }
            """);
    }

    public async Task DisposeAsync()
    {
        await _dovecot.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<string> LoginThroughAsync(string backendAttributes, int? port = null)
    {
        await using var frontDoor = await TestFrontDoor.StartAsync(
            $"""<backends><backend name="tls" endpoint="127.0.0.1:{port ?? _dovecot.Port}" {backendAttributes} /></backends><routing default="tls" />""");
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN bob bob-pw\r\n");
        var answer = await client.ReadLineAsync() ?? "<closed>";
        if (answer.StartsWith("a1 OK", StringComparison.Ordinal))
        {
            await client.SendAsync("a2 SELECT INBOX\r\n");
            Assert.StartsWith("a2 OK", (await client.ReadUntilAsync("a2 "))[^1], StringComparison.Ordinal);
        }

        return answer;
    }

    [Fact]
    public async Task Starttls_with_the_right_pin_logs_in()
    {
        var answer = await LoginThroughAsync($"tls=\"starttls\" pin=\"sha256:{_pin}\"");
        Assert.StartsWith("a1 OK [CAPABILITY ", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("STARTTLS", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Starttls_checked_against_a_ca_file_logs_in()
    {
        Assert.StartsWith("a1 OK", await LoginThroughAsync($"tls=\"starttls\" caFile=\"{CertificatePath}\""), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Implicit_tls_checked_by_pin_and_by_ca_file_logs_in()
    {
        var byPin = await LoginThroughAsync($"tls=\"implicit\" pin=\"sha256:{_pin}\"", _imapsPort);
        Assert.StartsWith("a1 OK [CAPABILITY ", byPin, StringComparison.Ordinal);
        Assert.DoesNotContain("STARTTLS", byPin, StringComparison.Ordinal);
        Assert.StartsWith("a1 OK", await LoginThroughAsync($"tls=\"implicit\" caFile=\"{CertificatePath}\"", _imapsPort), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Implicit_tls_with_a_wrong_pin_is_refused()
    {
        var wrong = Convert.ToBase64String(SHA256.HashData("not the key"u8));
        Assert.Equal("a1 NO [UNAVAILABLE] The mail server is not available now, try again later", await LoginThroughAsync($"tls=\"implicit\" pin=\"sha256:{wrong}\"", _imapsPort));
    }

    [Fact]
    public async Task A_wrong_pin_is_refused_before_any_password_is_sent()
    {
        var wrong = Convert.ToBase64String(SHA256.HashData("not the key"u8));
        Assert.Equal("a1 NO [UNAVAILABLE] The mail server is not available now, try again later", await LoginThroughAsync($"tls=\"starttls\" pin=\"sha256:{wrong}\""));
    }

    [Fact]
    public async Task The_system_trust_store_does_not_trust_a_self_signed_backend()
    {
        Assert.Equal("a1 NO [UNAVAILABLE] The mail server is not available now, try again later", await LoginThroughAsync("tls=\"starttls\""));
    }
}
