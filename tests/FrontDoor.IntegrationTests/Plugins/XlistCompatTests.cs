using FrontDoor.Core.Hooks;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.IntegrationTests.Plugins;

/// <summary>
/// The sample third-party plugin samples/XlistCompat, deployed as an operator would (its build output copied
/// into a plugin folder beside the standard plugins), in front of a real Dovecot. Dovecot 2.3 takes XLIST as
/// an alias of LIST and answers with <c>* LIST</c> lines without advertising XLIST, so every <c>* XLIST</c>
/// a client reads here was renamed by the plugin.
/// </summary>
public sealed class XlistCompatTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Users = new()
    {
        ["bob"] = "bob-pw",
        ["carol"] = "carol-pw",
    };

    private DovecotServer _dovecot = null!;
    private string _plugins = null!;
    private TestFrontDoor _frontDoor = null!;

    public async Task InitializeAsync()
    {
        _dovecot = await DovecotServer.StartAsync(Users);
        _plugins = NewPluginFolder();

        // carol's backend is the same server with the emulation switched off.
        _frontDoor = await TestFrontDoor.StartAsync(
            $"""
            <backends>
              <backend name="dovecot" endpoint="127.0.0.1:{_dovecot.Port}" />
              <backend name="native" endpoint="127.0.0.1:{_dovecot.Port}" xlist="off" />
            </backends>
            <routing default="dovecot"><route user="carol" backend="native" /></routing>
            """,
            string.Empty,
            "--frontDoor:plugins:directory", _plugins);
    }

    public async Task DisposeAsync()
    {
        await _frontDoor.DisposeAsync();
        await _dovecot.DisposeAsync();
        Directory.Delete(_plugins, recursive: true);
    }

    [Fact]
    public async Task Xlist_is_advertised_after_login_and_answered_with_xlist_lines_while_list_stays_list()
    {
        await using var client = await LoginAsync("bob");
        Assert.Contains(" XLIST", client.LoginReply, StringComparison.Ordinal);

        await client.Raw.SendAsync("b XLIST \"\" \"*\"\r\n");
        var xlist = await client.Raw.ReadUntilAsync("b ");
        Assert.StartsWith("b OK", xlist[^1], StringComparison.Ordinal);
        Assert.Contains("* XLIST (\\HasNoChildren) \"/\" INBOX", xlist);
        Assert.All(xlist[..^1], line => Assert.StartsWith("* XLIST (", line, StringComparison.Ordinal));

        // The XLIST's completion ended the renaming: a plain LIST is relayed untouched.
        await client.Raw.SendAsync("c LIST \"\" \"*\"\r\n");
        var list = await client.Raw.ReadUntilAsync("c ");
        Assert.StartsWith("c OK", list[^1], StringComparison.Ordinal);
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" INBOX", list);
        Assert.All(list[..^1], line => Assert.StartsWith("* LIST (", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_xlist_whose_pattern_is_a_literal_keeps_the_literal()
    {
        await using var client = await LoginAsync("bob");

        await client.Raw.SendAsync("d XLIST \"\" {5+}\r\nINBOX\r\n");
        var xlist = await client.Raw.ReadUntilAsync("d ");
        Assert.Equal(["* XLIST (\\HasNoChildren) \"/\" INBOX"], xlist[..^1]);
        Assert.StartsWith("d OK", xlist[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_backend_with_xlist_off_is_left_alone()
    {
        await using var client = await LoginAsync("carol");
        Assert.DoesNotContain(" XLIST", client.LoginReply, StringComparison.Ordinal);

        await client.Raw.SendAsync("b XLIST \"\" \"*\"\r\n");
        var xlist = await client.Raw.ReadUntilAsync("b ");
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" INBOX", xlist);
    }

    [Fact]
    public async Task A_bad_xlist_attribute_stops_start_up_naming_the_element_and_value()
    {
        var error = await Assert.ThrowsAsync<FrontDoorConfigurationException>(() => TestFrontDoor.StartAsync(
            $"""<backends><backend name="b" endpoint="127.0.0.1:{_dovecot.Port}" xlist="maybe" /></backends><routing default="b" />""",
            string.Empty,
            "--frontDoor:plugins:directory", _plugins));
        Assert.Equal("<backend name=\"b\"> xlist=\"maybe\": expected emulate or off", error.Message);
    }

    /// <summary>A fresh plugin folder: the standard plugins and the sample, each in its own folder.</summary>
    private static string NewPluginFolder()
    {
        var plugins = Directory.CreateTempSubdirectory("fd-xlist-plugins-").FullName;
        foreach (var standard in new[] { "BackendRouting", "LiteralPlusCompat" })
        {
            RepoPaths.CopyDirectory(Path.Combine(RepoPaths.PluginDirectory, standard), Path.Combine(plugins, standard));
        }

        var sample = RepoPaths.SampleOutput("XlistCompat");
        Assert.True(File.Exists(Path.Combine(sample, "XlistCompat.dll")), $"build the solution first: {sample}/XlistCompat.dll is missing");
        RepoPaths.CopyDirectory(sample, Path.Combine(plugins, "XlistCompat"));
        return plugins;
    }

    private async Task<LoggedIn> LoginAsync(string user)
    {
        var raw = await RawImapClient.ConnectAsync(_frontDoor.Endpoint);
        await raw.ReadLineAsync();
        await raw.SendAsync($"a LOGIN {user} {Users[user]}\r\n");
        var reply = await raw.ReadUntilAsync("a ");
        Assert.StartsWith("a OK", reply[^1], StringComparison.Ordinal);
        return new LoggedIn(raw, reply[^1]);
    }

    private sealed record LoggedIn(RawImapClient Raw, string LoginReply) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Raw.DisposeAsync();
    }
}
