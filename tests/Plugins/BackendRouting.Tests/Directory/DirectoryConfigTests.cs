using FrontDoor.Core.Hooks;
using FrontDoor.Core.Hosting;
using FrontDoor.Plugins.BackendRouting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Xunit;

namespace FrontDoor.Plugins.BackendRouting.Tests.Directory;

/// <summary>&lt;directory&gt; as FrontDoor.config gives it: one clear line for each bad value, and document order.</summary>
public class DirectoryConfigTests
{
    private const string Backends = """
        <backends>
          <backend name="mbx1" endpoint="127.0.0.1:1001" />
          <pool name="modern" members="mbx1" />
        </backends>
        """;

    private static RoutingTable Read(string routing)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("directory-config-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "FrontDoor.config"), $"<configuration><frontDoor>{Backends}{routing}</frontDoor></configuration>");
            using var files = new PhysicalFileProvider(directory);
            var configuration = new ConfigurationBuilder()
                .AddXmlFile(files, "FrontDoor.config", optional: false, reloadOnChange: false)
                .Add(new ElementOrderConfigurationSource { FileProvider = files, Path = "FrontDoor.config" })
                .Build();
            var catalog = BackendsReader.Read(configuration.GetSection("frontDoor:backends"), []);
            return RoutingTable.Read(configuration.GetSection("frontDoor:routing"), catalog);
        }
        finally
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }

    private static string Refusal(string routing) => Assert.Throws<FrontDoorConfigurationException>(() => Read(routing)).Message;

    [Fact]
    public void Route_and_directory_rules_keep_the_order_they_are_written_in()
    {
        var table = Read("""
            <routing>
              <route user="postmaster" backend="mbx1" />
              <directory server="ldap://127.0.0.1:1" base="dc=example,dc=com" />
              <route domain="example.org" backend="modern" />
              <directory server="ldap://127.0.0.1:2" base="dc=example,dc=org" />
            </routing>
            """);
        Assert.Equal(["user postmaster", "directory 0", "domain example.org", "directory 1"],
            table.Steps.Select(s => s.Route is { } r ? $"{r.Kind.ToString().ToLowerInvariant()} {r.Value}" : $"directory {s.Directory}"));
        Assert.Equal("ldap://127.0.0.1:2/", table.Directories[1].Servers[0].ToString());
    }

    [Fact]
    public void A_full_directory_element_is_read()
    {
        var table = Read("""
            <routing>
              <directory server="ldap://10.0.0.5:389 ldaps://10.0.0.6" bindDn="cn=proxy,dc=example,dc=com" bindPassword="s3cret"
                         base="ou=people,dc=example,dc=com" filter="(|(uid=%u)(mail=%u))" attribute="msExchHomeServerName"
                         cacheSeconds="30" negativeCacheSeconds="5" staleSeconds="600" timeout="2" watch="true">
                <map value="mail1.example.com" backend="modern" />
                <map value="EX2003" backend="MBX1" />
              </directory>
            </routing>
            """);
        var settings = Assert.Single(table.Directories);
        Assert.Equal(2, settings.Servers.Count);
        Assert.Equal("msExchHomeServerName", settings.Attribute);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.CacheTime);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.NegativeCacheTime);
        Assert.Equal(TimeSpan.FromSeconds(600), settings.StaleTime);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.Timeout);
        Assert.True(settings.Watch);
        Assert.Equal("mbx1", settings.Map["ex2003"]);
        Assert.DoesNotContain("s3cret", settings.Describe(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""<directory server="http://10.0.0.5" base="dc=x" />""", "http://10.0.0.5")]
    [InlineData("""<directory server="ldap://10.0.0.5" />""", "attribute base is missing")]
    [InlineData("""<directory base="dc=x" />""", "attribute server is missing")]
    [InlineData("""<directory server="ldap://10.0.0.5" base="dc=x"><map value="a" backend="nosuch" /></directory>""", "backend=\"nosuch\"")]
    [InlineData("""<directory server="ldap://10.0.0.5" base="dc=x" filter="uid=%u" />""", "filter")]
    [InlineData("""<directory server="ldap://10.0.0.5" base="dc=x" timeout="soon" />""", "timeout=\"soon\"")]
    [InlineData("""<directory server="ldap://10.0.0.5" base="dc=x" watch="maybe" />""", "watch=\"maybe\"")]
    [InlineData("""<directory server="ldap://10.0.0.5" base="dc=x" caFile="/nonexistent/ca.pem" />""", "/nonexistent/ca.pem")]
    [InlineData("""<directory server="ldap://10.0.0.5" base="dc=x" attribute="mail host" />""", "attribute=\"mail host\"")]
    [InlineData("""<directory server="ldap://10.0.0.5" base="dc=x" changedAttribute="x)(y" />""", "changedAttribute=\"x)(y\"")]
    [InlineData("""<directory server="ldap://10.0.0.5" base="dc=x" bindPassword="a" bindPasswordFile="/etc/hostname" />""", "not both")]
    public void A_bad_directory_is_refused_with_one_line_naming_it(string directory, string named)
    {
        var message = Refusal($"<routing>{directory}</routing>");
        Assert.Contains(named, message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void The_password_file_is_read_without_its_line_end()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "pw-from-file\n");
            var table = Read($"""<routing><directory server="ldap://127.0.0.1" base="dc=x" bindDn="cn=p" bindPasswordFile="{file}" /></routing>""");
            Assert.Equal("pw-from-file", table.Directories[0].BindPassword);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
