using FrontDoor.Core.Hooks;
using FrontDoor.Plugins.BackendRouting.Directory;
using Xunit;

namespace FrontDoor.Plugins.BackendRouting.Tests.Directory;

public class DirectoryValueTests
{
    private static readonly BackendCatalog Backends = new(
        new Dictionary<string, BackendTarget>(StringComparer.OrdinalIgnoreCase)
        {
            ["mbx1"] = new() { Name = "mbx1", Endpoints = [new BackendEndpoint("127.0.0.1", 1)] },
            ["EX2003"] = new() { Name = "EX2003", Endpoints = [new BackendEndpoint("127.0.0.1", 2)] },
        },
        new Dictionary<string, BackendPool> { ["modern"] = new("modern", ["mbx1"]) });

    private static readonly Dictionary<string, string> Map = new(StringComparer.OrdinalIgnoreCase) { ["mail1.example.com"] = "modern" };

    [Theory]
    [InlineData("mail1.example.com", "modern")]  // by <map>
    [InlineData("MAIL1.example.com", "modern")]  // values compare case-insensitively
    [InlineData("mbx1", "mbx1")]                 // a backend's own name
    [InlineData("modern", "modern")]             // a pool's own name
    // Active Directory's msExchHomeServerName: the last cn= names the server.
    [InlineData("/o=Example/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=EX2003", "EX2003")]
    [InlineData("cn=mbx1,ou=servers,dc=example,dc=com", "mbx1")]
    [InlineData("unknown.example.com", null)]
    [InlineData("/o=Example/cn=Servers/cn=EX9999", null)]
    public void A_value_means_a_backend_or_pool(string value, string? expected) =>
        Assert.Equal(expected, DirectoryValue.Resolve(value, Map, Backends));

    [Theory]
    [InlineData("mail1.example.com", true)]
    [InlineData("", false)]
    [InlineData("mail1\r\nFAKE", false)]
    [InlineData("mail1\u0007", false)]
    public void Control_characters_and_empty_values_are_refused(string value, bool acceptable) =>
        Assert.Equal(acceptable, DirectoryValue.IsAcceptable(value));

    [Fact]
    public void A_value_of_10_KB_is_refused_and_logged_shortened()
    {
        var huge = new string('m', 10 * 1024);
        Assert.False(DirectoryValue.IsAcceptable(huge));
        var logged = DirectoryValue.ForLog(huge);
        Assert.True(logged.Length < 100);
        Assert.Contains("10240 characters", logged, StringComparison.Ordinal);
    }

    [Fact]
    public void Control_characters_are_logged_escaped() => Assert.Equal("a\\x0d\\x0aFAKE", DirectoryValue.ForLog("a\r\nFAKE"));
}
