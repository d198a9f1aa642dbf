using FrontDoor.Admin;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Hosting;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FrontDoor.IntegrationTests.Admin;

/// <summary>Start-up of the admin endpoint: off without &lt;admin&gt;, one clear line when it cannot listen.</summary>
public sealed class AdminStartupTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("frontdoor-admin-start-").FullName;

    [Fact]
    public async Task Without_an_admin_element_there_is_no_endpoint()
    {
        await using var frontDoor = await TestFrontDoor.StartAsync(
            TestFrontDoor.Backends("one", ("one", 9, "")) + "<routing default=\"one\" />",
            appSettings: "",
            configureHost: services => services.AddFrontDoorAdmin());
        Assert.Null(frontDoor.Services.GetRequiredService<AdminEndpointService>().Address);
    }

    [Fact]
    public async Task An_endpoint_in_use_stops_start_up_with_one_line_naming_it()
    {
        var tokenFile = Path.Combine(_directory, "admin.token");
        await File.WriteAllTextAsync(tokenFile, "0123456789abcdef0123456789");
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var endpoint = (System.Net.IPEndPoint)taken.LocalEndpoint;
        var config = Path.Combine(_directory, "FrontDoor.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><frontDoor>
              <listeners><listener name="imap" endpoint="127.0.0.1:0" tls="none" /></listeners>
              <plugins directory="{RepoPaths.PluginDirectory}" />
              <backends><backend name="one" endpoint="127.0.0.1:9" /></backends>
              <routing default="one" />
              <admin endpoint="{endpoint}" tokenFile="{tokenFile}" />
            </frontDoor></configuration>
            """);

        using var host = FrontDoorHost.Build(["--config", config, "--Logging:LogLevel:Default", "None"], services => services.AddFrontDoorAdmin());
        try
        {
            var error = await Assert.ThrowsAsync<FrontDoorConfigurationException>(() => host.StartAsync());
            Assert.StartsWith($"<admin> endpoint=\"{endpoint}\": cannot listen:", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Message);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task With_a_certificate_the_endpoint_serves_HTTPS_and_the_commands_trust_exactly_that_certificate()
    {
        using var certificates = new FrontDoor.IntegrationTests.Security.TestCertificates();
        var tokenFile = Path.Combine(_directory, "admin.token");
        await File.WriteAllTextAsync(tokenFile, "0123456789abcdef0123456789");
        var port = LoopbackPorts.Pick();
        await using var frontDoor = await TestFrontDoor.StartAsync(
            TestFrontDoor.Backends("one", ("one", 9, "")) + "<routing default=\"one\" />" +
            $"<admin endpoint=\"127.0.0.1:{port}\" tokenFile=\"{tokenFile}\" certificate=\"{certificates.CertificatePem}\" certificateKey=\"{certificates.KeyPem}\" />",
            appSettings: "",
            configureHost: services => services.AddFrontDoorAdmin());
        var address = frontDoor.Services.GetRequiredService<AdminEndpointService>().Address!;
        Assert.Equal("https", address.Scheme);

        // A client that trusts only the system store refuses the test certificate: it is TLS, not plain HTTP.
        using (var strict = new HttpClient { BaseAddress = address })
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => strict.GetAsync(new Uri("api/status", UriKind.Relative)));
        }

        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await AdminCommands.RunAsync(["who", "--config", frontDoor.ConfigPath], output, error);
        Assert.Equal(AdminCommands.NothingMatched, exit);
        Assert.Equal("no sessions match", output.ToString().Trim());
        Assert.Equal(string.Empty, error.ToString());
    }

    [Fact]
    public async Task With_anonymous_read_reading_is_open_and_changes_still_need_the_token()
    {
        var tokenFile = Path.Combine(_directory, "admin.token");
        await File.WriteAllTextAsync(tokenFile, "0123456789abcdef0123456789");
        await using var frontDoor = await TestFrontDoor.StartAsync(
            TestFrontDoor.Backends("one", ("one", 9, "")) + "<routing default=\"one\" />" +
            $"<admin endpoint=\"127.0.0.1:0\" tokenFile=\"{tokenFile}\" anonymousRead=\"true\" />",
            appSettings: "",
            configureHost: services => services.AddFrontDoorAdmin());
        using var http = new HttpClient { BaseAddress = frontDoor.Services.GetRequiredService<AdminEndpointService>().Address };

        using var read = await http.GetAsync(new Uri("api/backends", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.OK, read.StatusCode);
        using var drain = await http.PostAsync(new Uri("api/backends/one/drain", UriKind.Relative), null);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, drain.StatusCode);
        using var kick = await http.PostAsync(new Uri("api/sessions/kick?user=x", UriKind.Relative), null);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, kick.StatusCode);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
