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

    [Fact]
    public async Task A_backend_with_special_use_is_asked_for_folder_roles_and_the_section_is_reloadable()
    {
        await using var roles = await DovecotServer.StartAsync(Users, "namespace inbox {\n  mailbox Sent {\n    auto = create\n    special_use = \\Sent\n  }\n}\n");
        await using var tap = RecordingTap.Start(roles.Host, roles.Port);
        await using var frontDoor = await TestFrontDoor.StartAsync(
            $"""<backends><backend name="roles" endpoint="127.0.0.1:{tap.Port}" /></backends><routing default="roles" />""",
            string.Empty,
            "--frontDoor:plugins:directory", _plugins);

        await using (var client = await LoginAsync(frontDoor, "bob"))
        {
            await client.Raw.SendAsync("b XLIST \"\" \"*\"\r\n");
            var xlist = await client.Raw.ReadUntilAsync("b ");
            Assert.Contains("* XLIST (\\HasNoChildren \\Sent) \"/\" Sent", xlist);
            Assert.StartsWith("b OK", xlist[^1], StringComparison.Ordinal);
        }

        Assert.Contains("b LIST \"\" \"*\" RETURN (SPECIAL-USE CHILDREN)\r\n", tap.SentToBackend, StringComparison.Ordinal);

        // <plugins><XlistCompat returnSpecialUse="false" /> takes effect for the next command, without a restart.
        var config = await File.ReadAllTextAsync(frontDoor.ConfigPath);
        var staged = frontDoor.ConfigPath + ".new";
        await File.WriteAllTextAsync(staged, config.Replace(
            $"""<plugins directory="{RepoPaths.PluginDirectory}" />""",
            $"""<plugins directory="{RepoPaths.PluginDirectory}"><XlistCompat returnSpecialUse="false" /></plugins>""",
            StringComparison.Ordinal));
        File.Move(staged, frontDoor.ConfigPath, overwrite: true);
        await using (var client = await LoginAsync(frontDoor, "bob"))
        {
            // The file watch takes a moment: ask until the backend gets the plain LIST (the test fails at the read timeout otherwise).
            for (var attempt = 0; !tap.SentToBackend.Contains("c0 LIST \"\" \"*\"\r\n", StringComparison.Ordinal) && attempt < 100; attempt++)
            {
                await Task.Delay(100);
                await client.Raw.SendAsync("c0 XLIST \"\" \"*\"\r\n");
                Assert.StartsWith("c0 OK", (await client.Raw.ReadUntilAsync("c0 "))[^1], StringComparison.Ordinal);
            }
        }

        Assert.Contains("c0 LIST \"\" \"*\"\r\n", tap.SentToBackend, StringComparison.Ordinal);
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

    private Task<LoggedIn> LoginAsync(string user) => LoginAsync(_frontDoor, user);

    private static async Task<LoggedIn> LoginAsync(TestFrontDoor frontDoor, string user)
    {
        var raw = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
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
