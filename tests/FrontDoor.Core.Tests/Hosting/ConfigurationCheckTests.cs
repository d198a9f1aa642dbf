using FrontDoor.Core.Hosting;
using FrontDoor.Core.Diagnostics;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Hosting;

/// <summary>
/// <c>FrontDoor check-config PATH</c>: the same validation as start-up (the real plugins from the plugin
/// folder), with the check's output captured.
/// </summary>
public sealed class ConfigurationCheckTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("frontdoor-check-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string frontDoorBody, string appSettings = """<add key="DisableLiteralPlus" value="false" />""")
    {
        var path = Path.Combine(_directory, "FrontDoor.config");
        File.WriteAllText(path, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <appSettings>{appSettings}</appSettings>
              <frontDoor>
                <listeners><listener name="imap" endpoint="127.0.0.1:1143" tls="none" /></listeners>
                <plugins directory="{RepoPaths.PluginDirectory}" />
                {frontDoorBody}
              </frontDoor>
            </configuration>
            """);
        return path;
    }

    private static (int Exit, string Output, string Error) Check(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = ConfigurationCheck.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private const string GoodBody = """
        <backends>
          <backend name="modern" endpoint="127.0.0.1:10143" alternates="127.0.0.2:10143" tls="none" literalPlus="auto" />
          <backend name="legacy" endpoint="mail.legacy.example:993" tls="implicit" pin="sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
                   connectTimeout="5" loginTimeout="20" continuationTimeout="90" maxSessions="200"
                   literalPlus="synchronize" advertiseLiteralPlus="true" />
        </backends>
        <routing default="modern">
          <route user="alice" backend="legacy" />
          <route domain="legacy.example.com" backend="legacy" />
          <route pattern="*@old.example.com" referral="imap://old.example.com/" />
        </routing>
        <metrics prometheus="127.0.0.1:9464" />
        """;

    [Fact]
    public void A_good_config_is_valid_and_printed_as_FrontDoor_would_run_it()
    {
        var path = Write(GoodBody);

        var (exit, output, error) = Check(path);

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, error);
        var lines = output.Split(Environment.NewLine);
        Assert.Equal($"{path}: valid", lines[0]);
        Assert.Contains("appSettings DisableLiteralPlus: false", lines);
        Assert.Contains("  imap on 127.0.0.1:1143, tls none", lines);
        Assert.Contains(lines, l => l.StartsWith("  BackendRouting (", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  LiteralPlusCompat (", StringComparison.Ordinal));
        Assert.Contains("metrics: Prometheus endpoint http://127.0.0.1:9464/metrics (listening on 127.0.0.1:9464)", lines);

        // The routing table, in the order routes are tried, then the default.
        var routing = Array.IndexOf(lines, "routing (BackendRouting), first match wins:");
        Assert.True(routing > 0, output);
        Assert.Equal(
            [
                "  1. user alice -> backend legacy",
                "  2. domain legacy.example.com -> backend legacy",
                "  3. pattern *@old.example.com -> referral imap://old.example.com/",
                "  default -> backend modern",
            ],
            lines[(routing + 1)..(routing + 5)]);

        // Each backend's policy, attributes as written.
        var legacy = Array.IndexOf(lines, "  legacy");
        Assert.True(legacy > routing, output);
        Assert.Equal("    endpoints: mail.legacy.example:993", lines[legacy + 1]);
        Assert.Equal("    tls: implicit, validation: public key pin sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", lines[legacy + 2]);
        Assert.Equal("    timeouts: connect 5s, login 20s, continuation 90s, idle 1800s", lines[legacy + 3]);
        Assert.Equal("    maxSessions: 200", lines[legacy + 4]);
        Assert.Contains("    literalPlus: \"synchronize\"; advertiseLiteralPlus: \"true\"", lines[legacy..]);

        var modern = Array.IndexOf(lines, "  modern");
        Assert.True(modern > routing, output);
        Assert.Equal("    endpoints: 127.0.0.1:10143, 127.0.0.2:10143", lines[modern + 1]);
        Assert.Equal("    tls: none", lines[modern + 2]);
        Assert.Equal("    maxSessions: 0 (no cap)", lines[modern + 4]);
        Assert.Contains("    literalPlus: \"auto\"; advertiseLiteralPlus: not set", lines[modern..]);
    }

    [Fact]
    public void Without_a_default_and_a_metrics_element_the_check_says_so()
    {
        var path = Write("""
            <backends><backend name="only" endpoint="127.0.0.1:10143" /></backends>
            <routing><route user="bob" backend="only" /></routing>
            """);

        var (exit, output, _) = Check("--config", path);

        Assert.Equal(0, exit);
        Assert.Contains("  default: none (users no route matches are refused)", output, StringComparison.Ordinal);
        Assert.Contains("metrics: no Prometheus endpoint", output, StringComparison.Ordinal);
        Assert.Contains("throttle: failed logins counted per node", output, StringComparison.Ordinal);
        Assert.Contains("literalPlus: not set; advertiseLiteralPlus: not set", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(
        """<backends><backend name="legacy" endpoint="127.0.0.1:11143" /></backends><routing><route user="alice" backend="legacy2" /></routing>""",
        """FrontDoor: configuration error: <route user="alice"> backend="legacy2": no <backend> or <pool> has that name""")]
    [InlineData(
        """<backends><backend name="legacy" endpoint="127.0.0.1:11143" literalPlus="sometimes" /></backends><routing default="legacy" />""",
        """FrontDoor: configuration error: <backend name="legacy"> literalPlus="sometimes": expected one of auto, synchronize, passthrough""")]
    [InlineData(
        """<backends><backend name="legacy" endpoint="127.0.0.1:11143" /></backends><routing default="legacy" /><metrics prometheus="localhost" />""",
        """FrontDoor: configuration error: <metrics> prometheus="localhost": expected an IP address and port to serve /metrics on, e.g. 127.0.0.1:9464""")]
    [InlineData(
        """<backends><backend name="legacy" endpoint="127.0.0.1:11143" /></backends><routing default="legacy" /><metrics prometheus="127.0.0.1:0" />""",
        """FrontDoor: configuration error: <metrics> prometheus="127.0.0.1:0": give a port (0 is not possible for the scrape endpoint), e.g. 127.0.0.1:9464""")]
    public void A_bad_config_exits_2_with_the_one_line_start_up_prints(string body, string expected)
    {
        var path = Write(body);

        var (exit, output, error) = Check(path);

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal(expected + Environment.NewLine, error);
    }

    [Theory]
    [InlineData("<routing default=modern />", 7, 22, "'modern' is an unexpected token. The expected token is '\"' or '''.")]
    [InlineData("<routing default=\"modern\">", 8, 5, "The 'routing' start tag on line 7 position 6 does not match the end tag of 'frontDoor'.")]
    public void A_file_that_is_not_well_formed_xml_is_refused_in_one_line_naming_line_column_and_reason(string brokenBody, int line, int column, string reason)
    {
        var path = Write(brokenBody);

        var (exit, output, error) = Check(path);

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, output);
        var single = Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Equal($"FrontDoor: configuration error: {path}: line {line}, column {column}: not well-formed XML: {reason}", single);
        Assert.DoesNotContain("Failed to load configuration", single, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("saslMechanisms", "PLAIN SCRAM-SHA-1", """FrontDoor: configuration error: <listener name="imap"> saslMechanisms="PLAIN SCRAM-SHA-1": "SCRAM-SHA-1" is not one of PLAIN, LOGIN, OAUTHBEARER, XOAUTH2""")]
    [InlineData("oauthIntrospection", "http://idp.example.com/introspect", """FrontDoor: configuration error: <listener name="imap"> oauthIntrospection="http://idp.example.com/introspect": expected an https:// URL (http:// only on loopback)""")]
    [InlineData("oauthClientId", "frontdoor", """FrontDoor: configuration error: <listener name="imap">: oauthClientId and oauthClientSecret need oauthIntrospection="https://..." """)]
    public void A_bad_oauth_listener_attribute_exits_2_naming_it(string attribute, string value, string expected)
    {
        var path = Write(GoodBody);

        var (exit, _, error) = Check(path, $"--frontDoor:listeners:listener:imap:{attribute}", value);

        Assert.Equal(2, exit);
        Assert.Equal(expected.TrimEnd() + Environment.NewLine, error);
    }

    [Fact]
    public void A_listener_may_offer_the_oauth_mechanisms()
    {
        var path = Write(GoodBody);

        var (exit, output, error) = Check(path, "--frontDoor:listeners:listener:imap:saslMechanisms", "plain login oauthbearer xoauth2",
            "--frontDoor:listeners:listener:imap:oauthIntrospection", "https://idp.example.com/introspect");

        Assert.Equal(string.Empty, error);
        Assert.Equal(0, exit);
        Assert.Contains("  imap on 127.0.0.1:1143, tls none, SASL PLAIN LOGIN OAUTHBEARER XOAUTH2, tokens checked at https://idp.example.com/introspect", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_exits_2()
    {
        var path = Path.Combine(_directory, "nope.config");

        var (exit, _, error) = Check(path);

        Assert.Equal(2, exit);
        Assert.Equal($"FrontDoor: configuration error: config file not found: {path}{Environment.NewLine}", error);
    }

    [Fact]
    public void Overrides_after_the_path_are_checked_as_start_up_would_take_them()
    {
        var path = Write(GoodBody);

        var (exit, _, error) = Check(path, "--frontDoor:routing:default", "nowhere");

        Assert.Equal(2, exit);
        Assert.Equal("FrontDoor: configuration error: <routing default=\"nowhere\">: no <backend> or <pool> has that name" + Environment.NewLine, error);
    }
}
