using System.Text.RegularExpressions;
using FrontDoor.IntegrationTests.EndToEnd;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace FrontDoor.IntegrationTests.ScaleOut;

/// <summary>deploy/haproxy.cfg, run by a private HAProxy in front of a FrontDoor node and a real Dovecot.</summary>
public partial class HaProxyConfigTests
{
    private static string DeployConfig => File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "haproxy.cfg"));

    [Theory]
    [InlineData("client")]
    [InlineData("server")]
    public void Idle_fits_in_the_timeouts(string side)
    {
        // RFC 2177: a client re-issues IDLE at least every 29 minutes; the session must outlive 30 silent minutes.
        var match = Regex.Match(DeployConfig, $@"^\s*timeout {side} (\d+)m\s*$", RegexOptions.Multiline);
        Assert.True(match.Success, $"timeout {side} in minutes");
        Assert.True(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 30);
    }

    [Fact]
    public void It_proxies_tcp_with_proxy_v2_checks_and_redispatch()
    {
        var config = DeployConfig;
        Assert.Matches(@"(?m)^\s*mode tcp\s*$", config);
        Assert.Matches(@"(?m)^\s*option redispatch\s*$", config);
        Assert.Matches(@"(?m)^\s*retries [1-9]\s*$", config);
        Assert.Matches(@"(?m)^\s*default-server .*send-proxy-v2.*$", config);
        Assert.Matches(@"(?m)^\s*default-server .*check inter 1s fall 2\b.*$", config);
    }

    [Fact]
    public async Task Its_imap_checks_keep_the_log_quiet_and_clients_get_through()
    {
        await using var dovecot = await DovecotServer.StartAsync(DovecotPairFixture.Users);
        var capture = new CapturingLoggerProvider();
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            """<listener name="imap" endpoint="127.0.0.1:0" proxyProtocol="true" trustedProxies="127.0.0.1/32" />""",
            $"""<backends><backend name="d" endpoint="127.0.0.1:{dovecot.Port}" /></backends><routing default="d" />""",
            services => services.AddSingleton<ILoggerProvider>(capture),
            "--Logging:LogLevel:Default", "Debug");
        await using var haproxy = await HaProxyServer.StartDeployConfigAsync([frontDoor.Endpoint]);

        // inter 1s: three checks, each a PROXY v2 LOCAL header, the greeting and LOGOUT.
        await HealthCheckTests.WaitForAsync(capture, "End=ClientLoggedOut", count: 3);
        HealthCheckTests.AssertQuiet(capture);
        Assert.DoesNotContain("DOWN", haproxy.Output, StringComparison.Ordinal);

        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", haproxy.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync("bob", "bob-pw");
        Assert.True(client.IsAuthenticated);
        await client.DisconnectAsync(quit: true);
    }
}
