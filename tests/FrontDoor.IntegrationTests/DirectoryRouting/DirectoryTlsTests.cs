using FrontDoor.Core.Hooks;
using FrontDoor.IntegrationTests.Security;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Plugins.BackendRouting.Directory;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace FrontDoor.IntegrationTests.DirectoryRouting;

/// <summary>ldaps:// and StartTLS to a real slapd, its certificate checked against caFile.</summary>
public sealed class DirectoryTlsTests : IDisposable
{
    private readonly TestCertificates _certificates = new();
    private readonly TestCertificates _otherAuthority = new();

    public void Dispose()
    {
        _certificates.Dispose();
        _otherAuthority.Dispose();
    }

    private static string CaFile(TestCertificates certificates)
    {
        var path = Path.Combine(certificates.Directory, "ca.pem");
        File.WriteAllText(path, certificates.Authority.ExportCertificatePem());
        return path;
    }

    private static async Task<RouteResult> RouteAsync(string server, bool startTls, string caFile)
    {
        var settings = new DirectorySettings
        {
            Servers = [new Uri(server)],
            StartTls = startTls,
            CaFile = caFile,
            BindDn = SlapdServer.BindDn,
            BindPassword = SlapdServer.BindPassword,
            Base = SlapdServer.People,
            Filter = LdapFilter.Parse("(uid=%u)", "filter"),
            Timeout = TimeSpan.FromSeconds(5),
            Map = new Dictionary<string, string>(),
        };
        var backends = new BackendCatalog(
            new Dictionary<string, BackendTarget> { ["mbx1"] = new() { Name = "mbx1", Endpoints = [new BackendEndpoint("127.0.0.1", 1)] } },
            new Dictionary<string, BackendPool>());
        await using var rule = new DirectoryRule(settings, backends, new LdapDirectory(settings, TimeProvider.System, NullLogger.Instance), TimeProvider.System, DirectoryMetrics.Unobserved, NullLogger.Instance);
        return await rule.RouteAsync("alice", CancellationToken.None);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_directory_whose_certificate_the_caFile_signed_answers_over_ldaps_and_StartTLS(bool ldaps)
    {
        await using var slapd = await SlapdServer.StartAsync([SlapdServer.Person("alice", "mbx1")], (_certificates.CertificatePem, _certificates.KeyPem));
        var result = await RouteAsync(ldaps ? slapd.LdapsUrl : slapd.Url, startTls: !ldaps, CaFile(_certificates));
        Assert.Equal(RouteResult.To("mbx1"), result);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_certificate_from_another_authority_is_refused(bool ldaps)
    {
        await using var slapd = await SlapdServer.StartAsync([SlapdServer.Person("alice", "mbx1")], (_certificates.CertificatePem, _certificates.KeyPem));
        var result = await RouteAsync(ldaps ? slapd.LdapsUrl : slapd.Url, startTls: !ldaps, CaFile(_otherAuthority));
        Assert.Equal(RouteKind.Unavailable, result.Kind);
    }
}
