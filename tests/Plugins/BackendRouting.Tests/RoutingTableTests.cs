using FrontDoor.Core.Hooks;
using FrontDoor.Core.Hosting;
using FrontDoor.Plugins.BackendRouting;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace FrontDoor.Plugins.BackendRouting.Tests;

public class RoutingTableTests
{
    private static RoutingTable Read(string routing, string backends = DefaultBackends)
    {
        var configuration = Load(routing, backends);
        return RoutingTable.Read(configuration.GetSection("frontDoor:routing"), Backends(configuration));
    }

    private static BackendCatalog Backends(IConfiguration configuration) => BackendsReader.Read(configuration.GetSection("frontDoor:backends"), []);

    private const string DefaultBackends = """
        <backend name="a" endpoint="127.0.0.1:1001" />
        <backend name="b" endpoint="127.0.0.1:1002" alternates="127.0.0.1:1003, [::1]:1004" tls="starttls" pin="sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" />
        <backend name="c" endpoint="mail.example.com:993" tls="implicit" insecureSkipVerify="true" maxSessions="10" idleTimeout="3600" />
        """;

    private static IConfigurationRoot Load(string routing, string backends = DefaultBackends)
    {
        var path = Path.Combine(Path.GetTempPath(), $"routing-{Guid.NewGuid():N}.config");
        File.WriteAllText(path, $"<configuration><frontDoor><backends>{backends}</backends>{routing}</frontDoor></configuration>");
        try
        {
            return new ConfigurationBuilder().AddXmlFile(path).Build();
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string? Target(RoutingTable table, string login)
    {
        var result = table.Route(login);
        return result.Kind switch
        {
            RouteKind.Backend => result.Target,
            RouteKind.Referral => "referral " + result.Reason,
            _ => null,
        };
    }

    [Theory]
    [InlineData("alice", "alice", null)]
    [InlineData("Alice@Example.COM", "alice@example.com", "example.com")]
    [InlineData("CORP\\Bob", "bob", "corp")]
    [InlineData("CORP\\bob\\shared.mailbox", "shared.mailbox", "corp")]
    [InlineData("  carol ", "carol", null)]
    public void Login_names_are_normalized_as_administrators_expect(string login, string mailbox, string? domain)
    {
        Assert.Equal(new LoginName(mailbox, domain), LoginName.Parse(login));
    }

    [Fact]
    public void First_match_in_document_order_wins_then_the_default()
    {
        var table = Read("""
            <routing default="a">
              <route user="alice" backend="b" />
              <route domain="legacy.example.com" backend="b" />
              <route pattern="*.old@example.com" backend="c" />
              <route regex="^test[0-9]+$" backend="c" />
              <route user="mallory" referral="imap://mallory@other.example.com/" />
              <route pattern="*" backend="a" />
            </routing>
            """);
        Assert.Equal("b", Target(table, "ALICE"));
        Assert.Equal("b", Target(table, "CORP\\alice"));
        Assert.Equal("b", Target(table, "dave@legacy.example.com"));
        Assert.Equal("c", Target(table, "erin.old@example.com"));
        Assert.Equal("c", Target(table, "Test42"));
        Assert.Equal("a", Target(table, "test42x"));
        Assert.Equal("referral imap://mallory@other.example.com/", Target(table, "mallory"));
        Assert.Equal("a", Target(table, "zed"));
    }

    [Fact]
    public void Without_a_default_an_unmatched_user_is_not_routed()
    {
        var table = Read("""<routing><route user="alice" backend="a" /></routing>""");
        Assert.Equal("a", Target(table, "alice"));
        Assert.Null(Target(table, "bob"));
    }

    [Fact]
    public void Backend_policy_is_read_into_the_target()
    {
        var catalog = Backends(Load("""<routing default="a" />"""));
        var b = catalog.Backends["b"];
        Assert.Equal(["127.0.0.1:1002", "127.0.0.1:1003", "[::1]:1004"], b.Endpoints.Select(e => e.ToString()));
        Assert.Equal(BackendTlsMode.StartTls, b.Tls);
        Assert.Equal("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", b.TlsValidation.PinSha256);
        var c = catalog.Backends["c"];
        Assert.Equal(BackendTlsMode.Implicit, c.Tls);
        Assert.True(c.TlsValidation.InsecureSkipVerify);
        Assert.Equal(10, c.MaxSessions);
        Assert.Equal(TimeSpan.FromHours(1), c.IdleTimeout);
    }

    [Theory]
    [InlineData("""<routing default="nope" />""", "<routing default=\"nope\">: no <backend> or <pool> has that name")]
    [InlineData("""<routing><route user="x" backend="zz" /></routing>""", "<route user=\"x\"> backend=\"zz\": no <backend> or <pool> has that name")]
    [InlineData("""<routing><route user="x" domain="y" backend="a" /></routing>""", "<route user=\"x\" domain=\"y\">: give exactly one of user, domain, pattern or regex")]
    [InlineData("""<routing><route user="x" /></routing>""", "<route user=\"x\">: give exactly one of backend or referral")]
    [InlineData("""<routing><route regex="(" backend="a" /></routing>""", "<route regex=\"(\">: not a valid regular expression")]
    [InlineData("""<routing><route user="x" referral="http://x" /></routing>""", "<route user=\"x\"> referral=\"http://x\": expected an imap:// URL (RFC 2221)")]
    public void A_bad_route_is_one_clear_error(string routing, string expected)
    {
        var error = Assert.Throws<FrontDoorConfigurationException>(() => Read(routing));
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""<backend name="a" endpoint="localhost" />""", "<backend name=\"a\"> endpoint=\"localhost\": expected host:port")]
    [InlineData("""<backend name="a" endpoint="h:1" tls="ssl" />""", "<backend name=\"a\"> tls=\"ssl\": expected one of none, starttls, implicit")]
    [InlineData("""<backend name="a" endpoint="h:1" pin="abc" />""", "<backend name=\"a\"> pin=\"abc\": expected sha256:BASE64")]
    [InlineData("""<backend name="a" endpoint="h:1" connectTimeout="soon" />""", "<backend name=\"a\"> connectTimeout=\"soon\": expected a positive number of seconds")]
    [InlineData("""<backend name="a" endpoint="h:1" caFile="/nonexistent/ca.pem" />""", "<backend name=\"a\"> caFile=\"/nonexistent/ca.pem\": file not found")]
    [InlineData("""<backend name="a" endpoint="h:1" /><pool name="p" members="a zz" />""", "<pool name=\"p\"> members=\"a zz\": no <backend> is named zz")]
    [InlineData("""<backend name="a" endpoint="h:1" /><pool name="a" members="a" />""", "<pool name=\"a\">: a backend or pool with that name already exists")]
    public void A_bad_backend_is_one_clear_error(string backends, string expected)
    {
        var error = Assert.Throws<FrontDoorConfigurationException>(() => Read("""<routing default="a" />""", backends));
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pool_name_works_wherever_a_backend_name_does()
    {
        var table = Read(
            """<routing default="Modern"><route user="alice" backend="a" /></routing>""",
            """<backend name="a" endpoint="h:1" /><backend name="b" endpoint="h:2" /><pool name="modern" members="a, b" />""");
        Assert.Equal("modern", Target(table, "bob"));
        Assert.Equal("a", Target(table, "alice"));
    }
}
