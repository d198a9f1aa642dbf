using FrontDoor.Core.Hooks;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Plugins.BackendRouting.Directory;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace FrontDoor.IntegrationTests.DirectoryRouting;

/// <summary>Login names built to widen an LDAP search, sent to a real slapd through the rule's filter.</summary>
public class DirectoryFilterInjectionTests
{
    private const string Template = "(&(objectClass=inetOrgPerson)(uid=%u))";

    private static DirectorySettings Settings(SlapdServer slapd) => new()
    {
        Servers = [new Uri(slapd.Url)],
        BindDn = SlapdServer.BindDn,
        BindPassword = SlapdServer.BindPassword,
        Base = SlapdServer.People,
        Filter = LdapFilter.Parse(Template, "filter"),
        Timeout = TimeSpan.FromSeconds(5),
        Map = new Dictionary<string, string>(),
    };

    [Theory]
    [InlineData("*)(uid=*")]
    [InlineData("*")]
    [InlineData("al*")]
    [InlineData("alice)(|(uid=*")]
    [InlineData("\\2a")]
    public async Task A_crafted_login_matches_no_entry_although_the_same_text_unescaped_matches_many(string login)
    {
        await using var slapd = await SlapdServer.StartAsync([SlapdServer.Person("alice", "modern"), SlapdServer.Person("albert", "modern")]);
        var settings = Settings(slapd);
        await using var directory = new LdapDirectory(settings, TimeProvider.System, NullLogger.Instance);

        var escaped = await directory.SearchAsync(settings.Filter.For(login), 100, CancellationToken.None);
        Assert.Empty(escaped);

        // The control: pasted in raw, the same login widens the search (or breaks the filter), which is
        // what the escaping prevents.
        var raw = Template.Replace("%u", login, StringComparison.Ordinal);
        var widened = await SearchOrInvalidAsync(directory, raw);
        Assert.True(widened is null || widened.Count > 0 || login == "\\2a", $"raw filter {raw} matched nothing");

        var backends = new BackendCatalog(new Dictionary<string, BackendTarget>(), new Dictionary<string, BackendPool>());
        await using var rule = new DirectoryRule(settings, backends, new LdapDirectory(settings, TimeProvider.System, NullLogger.Instance), TimeProvider.System, DirectoryMetrics.Unobserved, NullLogger.Instance);
        Assert.Equal(RouteKind.NotMine, (await rule.RouteAsync(login, CancellationToken.None)).Kind);
    }

    private static async Task<IReadOnlyList<DirectoryEntry>?> SearchOrInvalidAsync(LdapDirectory directory, string filter)
    {
        try
        {
            return await directory.SearchAsync(filter, 100, CancellationToken.None);
        }
        catch (Exception ex) when (ex is DirectoryUnavailableException or System.DirectoryServices.Protocols.LdapException or System.DirectoryServices.Protocols.DirectoryOperationException)
        {
            return null;
        }
    }
}
