using FrontDoor.Core.Hooks;
using FrontDoor.IntegrationTests.EndToEnd;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FrontDoor.IntegrationTests.DirectoryRouting;

/// <summary>
/// Users routed by their entry in a real slapd, through FrontDoor, to two real Dovecots, with MailKit as the
/// client: "mail2.example.com" maps to "other"; a value equal to a backend name needs no map.
/// </summary>
public class DirectoryRoutingTests : IClassFixture<DovecotPairFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly DovecotPairFixture _pair;

    public DirectoryRoutingTests(DovecotPairFixture pair)
    {
        _pair = pair;
    }

    private static IEnumerable<string> People =>
    [
        SlapdServer.Person("alice", "mail2.example.com"),
        SlapdServer.Person("bob", "modern"),
        SlapdServer.Person("dave", "nowhere.example.com"),
        SlapdServer.Person("twin1", "modern", mail: "twin@example.com"),
        SlapdServer.Person("twin2", "other", mail: "twin@example.com"),
    ];

    private string Config(SlapdServer slapd, string extra = "", string routesBefore = "") => $"""
        <backends>
          <backend name="modern" endpoint="127.0.0.1:{_pair.Modern.Port}" literalPlus="passthrough" />
          <backend name="other" endpoint="127.0.0.1:{_pair.Other.Port}" literalPlus="passthrough" />
        </backends>
        <routing default="modern">
          {routesBefore}
          <directory server="{slapd.Url}" bindDn="{SlapdServer.BindDn}" bindPassword="{SlapdServer.BindPassword}"
                     base="{SlapdServer.People}" filter="(|(uid=%u)(mail=%u))" timeout="3" {extra}>
            <map value="mail2.example.com" backend="other" />
          </directory>
        </routing>
        """;

    private static async Task<ImapClient> LoginAsync(TestFrontDoor frontDoor, string user)
    {
        var client = new ImapClient();
        await client.ConnectAsync(frontDoor.Endpoint.Address.ToString(), frontDoor.Endpoint.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(user, DovecotPairFixture.Users[user]);
        return client;
    }

    private static string BackendOf(TestFrontDoor frontDoor, string user) =>
        Assert.Single(frontDoor.Services.GetRequiredService<ISessionRegistry>().Find(s => s.User == user)).Backend;

    /// <summary>LOGIN with a raw client; returns the tagged answer.</summary>
    private static async Task<string> RawLoginAsync(TestFrontDoor frontDoor, string user, string password)
    {
        await using var raw = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await raw.ReadLineAsync();
        await raw.SendAsync($"a LOGIN \"{user}\" \"{password}\"\r\n");
        return (await raw.ReadUntilAsync("a ")).Last();
    }

    [Fact]
    public async Task Users_go_where_their_directory_entry_says_and_users_without_one_to_the_default()
    {
        await using var slapd = await SlapdServer.StartAsync(People);
        await using var frontDoor = await TestFrontDoor.StartAsync(Config(slapd));

        using (var alice = await LoginAsync(frontDoor, "alice"))
        {
            Assert.Equal("other", BackendOf(frontDoor, "alice"));        // by <map>
        }

        using (var bob = await LoginAsync(frontDoor, "bob"))
        {
            Assert.Equal("modern", BackendOf(frontDoor, "bob"));         // value = backend name
        }

        using (var carol = await LoginAsync(frontDoor, "carol@example.org"))
        {
            Assert.Equal("modern", BackendOf(frontDoor, "carol@example.org")); // no entry: the default
        }
    }

    [Fact]
    public async Task Rules_run_in_document_order_a_route_before_the_directory_wins()
    {
        await using var slapd = await SlapdServer.StartAsync(People);
        await using var frontDoor = await TestFrontDoor.StartAsync(Config(slapd, routesBefore: """<route user="alice" backend="modern" />"""));

        using var alice = await LoginAsync(frontDoor, "alice");
        Assert.Equal("modern", BackendOf(frontDoor, "alice"));
    }

    [Fact]
    public async Task An_unmapped_value_is_unavailable_and_several_entries_are_refused()
    {
        await using var slapd = await SlapdServer.StartAsync(People);
        await using var frontDoor = await TestFrontDoor.StartAsync(Config(slapd));

        Assert.StartsWith("a NO [UNAVAILABLE]", await RawLoginAsync(frontDoor, "dave", "x"));
        Assert.StartsWith("a NO [AUTHENTICATIONFAILED]", await RawLoginAsync(frontDoor, "twin@example.com", "x"));
    }

    [Fact]
    public async Task With_the_directory_down_cached_users_log_in_and_uncached_ones_are_unavailable()
    {
        await using var slapd = await SlapdServer.StartAsync(People);
        await using var frontDoor = await TestFrontDoor.StartAsync(Config(slapd, """cacheSeconds="0.001" staleSeconds="3600" """));

        using (await LoginAsync(frontDoor, "alice"))
        {
        }

        await slapd.StopAsync();

        // alice's answer has expired (cacheSeconds), but serves stale while the directory is down.
        using (var alice = await LoginAsync(frontDoor, "alice"))
        {
            Assert.Equal("other", BackendOf(frontDoor, "alice"));
        }

        // bob was never looked up: unavailable, not a failed login.
        var answer = await RawLoginAsync(frontDoor, "bob", DovecotPairFixture.Users["bob"]);
        Assert.StartsWith("a NO [UNAVAILABLE]", answer);
        Assert.DoesNotContain("AUTHENTICATIONFAILED", answer);

        await slapd.RestartAsync();
        using var bob = await LoginAsync(frontDoor, "bob");
        Assert.Equal("modern", BackendOf(frontDoor, "bob"));
    }

    [Fact]
    public async Task A_re_route_ends_the_old_sessions_on_every_node_and_new_logins_go_to_the_new_backend()
    {
        await using var slapd = await SlapdServer.StartAsync(People);
        var config = Config(slapd, """watch="true" cacheSeconds="3600" """);
        await using var node1 = await TestFrontDoor.StartAsync(config);
        await using var node2 = await TestFrontDoor.StartAsync(config);
        await using var node3 = await TestFrontDoor.StartAsync(config);
        TestFrontDoor[] nodes = [node1, node2, node3];

        var sessions = new List<ImapClient>();
        try
        {
            foreach (var node in nodes)
            {
                var alice = await LoginAsync(node, "alice");
                await alice.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
                sessions.Add(alice);
                Assert.Equal("other", BackendOf(node, "alice"));
            }

            // Nodes do not talk to each other: each one's watch sees the directory change by itself.
            await slapd.SetMailHostAsync("alice", "modern");

            using var deadline = new CancellationTokenSource(Patience);
            foreach (var node in nodes)
            {
                var registry = node.Services.GetRequiredService<ISessionRegistry>();
                while (registry.Find(s => s.User == "alice").Count > 0)
                {
                    await Task.Delay(50, deadline.Token);
                }
            }

            // The clients were told (BYE) and closed.
            foreach (var alice in sessions)
            {
                await Assert.ThrowsAnyAsync<Exception>(() => alice.NoOpAsync(deadline.Token));
            }

            foreach (var node in nodes)
            {
                using var again = await LoginAsync(node, "alice");
                Assert.Equal("modern", BackendOf(node, "alice"));
            }
        }
        finally
        {
            sessions.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_change_that_keeps_the_backend_leaves_the_session_alone()
    {
        await using var slapd = await SlapdServer.StartAsync(People);
        await using var frontDoor = await TestFrontDoor.StartAsync(Config(slapd, """watch="true" cacheSeconds="3600" """));
        using var polls = new WatchPolls(frontDoor);
        using var alice = await LoginAsync(frontDoor, "alice");

        // "other" by name instead of by map: the same backend, so the session stays.
        await slapd.SetMailHostAsync("alice", "other");
        var seen = polls.Count;
        using var deadline = new CancellationTokenSource(Patience);
        while (polls.Count < seen + 3)
        {
            await Task.Delay(50, deadline.Token);
        }

        await alice.NoOpAsync(deadline.Token);
        Assert.Equal("other", BackendOf(frontDoor, "alice"));
    }

    [Fact]
    public async Task A_user_logged_in_before_a_reload_is_still_followed_when_the_entry_changes()
    {
        await using var slapd = await SlapdServer.StartAsync(People);
        await using var frontDoor = await TestFrontDoor.StartAsync(Config(slapd, """watch="true" cacheSeconds="3600" """));
        using var alice = await LoginAsync(frontDoor, "alice");
        Assert.Equal("other", BackendOf(frontDoor, "alice"));

        // Any applied reload starts the directory rules anew; this one changes only the negative cache time.
        var reloader = frontDoor.Services.GetRequiredService<FrontDoor.Core.Hosting.ConfigurationReloader>();
        var before = reloader.LastReload;
        var text = await File.ReadAllTextAsync(frontDoor.ConfigPath);
        await File.WriteAllTextAsync(frontDoor.ConfigPath, text.Replace("cacheSeconds=\"3600\"", "cacheSeconds=\"3600\" negativeCacheSeconds=\"20\"", StringComparison.Ordinal));
        using var deadline = new CancellationTokenSource(Patience);
        while (ReferenceEquals(reloader.LastReload, before) || !reloader.LastReload!.Applied)
        {
            await Task.Delay(50, deadline.Token);
        }

        await slapd.SetMailHostAsync("alice", "modern");
        var registry = frontDoor.Services.GetRequiredService<ISessionRegistry>();
        while (registry.Find(s => s.User == "alice").Count > 0)
        {
            await Task.Delay(50, deadline.Token);
        }

        await Assert.ThrowsAnyAsync<Exception>(() => alice.NoOpAsync(deadline.Token));
        using var again = await LoginAsync(frontDoor, "alice");
        Assert.Equal("modern", BackendOf(frontDoor, "alice"));
    }

    [Fact]
    public async Task A_hung_directory_holds_a_login_no_longer_than_the_timeout_then_unavailable()
    {
        await using var slapd = await SlapdServer.StartAsync(People);
        await using var frontDoor = await TestFrontDoor.StartAsync(Config(slapd).Replace("timeout=\"3\"", "timeout=\"1\"", StringComparison.Ordinal));
        slapd.Pause();
        try
        {
            // Without the timeout this would wait for ever (the raw client gives up after its own read timeout).
            Assert.StartsWith("a NO [UNAVAILABLE]", await RawLoginAsync(frontDoor, "bob", DovecotPairFixture.Users["bob"]));
        }
        finally
        {
            slapd.Resume();
        }

        using var bob = await LoginAsync(frontDoor, "bob");
        Assert.Equal("modern", BackendOf(frontDoor, "bob"));
    }

    [Fact]
    public async Task A_value_with_control_characters_or_of_10_KB_is_refused_and_never_logged_raw()
    {
        var logs = new CapturingLoggerProvider();
        await using var slapd = await SlapdServer.StartAsync(People);
        await using var frontDoor = await TestFrontDoor.StartAsync(Config(slapd), "", services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs));
        var huge = new string('m', 10 * 1024);
        await slapd.ModifyAsync(
            $"dn: uid=alice,{SlapdServer.People}\nchangetype: modify\nreplace: mailHost\nmailHost:: {Convert.ToBase64String("mail2\u0007\r\nFAKE LOG LINE"u8)}\n\n" +
            $"dn: uid=bob,{SlapdServer.People}\nchangetype: modify\nreplace: mailHost\nmailHost: {huge}\n");

        Assert.StartsWith("a NO [UNAVAILABLE]", await RawLoginAsync(frontDoor, "alice", DovecotPairFixture.Users["alice"]));
        Assert.StartsWith("a NO [UNAVAILABLE]", await RawLoginAsync(frontDoor, "bob", DovecotPairFixture.Users["bob"]));
        var lines = logs.Lines.ToList();
        Assert.Contains(lines, l => l.Contains("uid=alice", StringComparison.Ordinal) && l.Contains("\\x07", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("uid=bob", StringComparison.Ordinal) && l.Contains("10240 characters", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains('\u0007', StringComparison.Ordinal) || l.Contains("\nFAKE", StringComparison.Ordinal) || l.Contains(huge, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reload_with_a_map_to_an_unknown_backend_is_refused_and_a_good_one_applies()
    {
        await using var slapd = await SlapdServer.StartAsync(People);
        await using var frontDoor = await TestFrontDoor.StartAsync(Config(slapd));
        var reloader = frontDoor.Services.GetRequiredService<FrontDoor.Core.Hosting.ConfigurationReloader>();
        var good = await File.ReadAllTextAsync(frontDoor.ConfigPath);
        const string Map = """<map value="mail2.example.com" backend="other" />""";
        Assert.Contains(Map, good, StringComparison.Ordinal);

        await File.WriteAllTextAsync(frontDoor.ConfigPath, good.Replace(Map, """<map value="mail2.example.com" backend="nosuch" />""", StringComparison.Ordinal));
        using var deadline = new CancellationTokenSource(Patience);
        // A write may be seen half done first (then the old file is reloaded as it was): wait for the refusal.
        while (reloader.LastReload is not { Applied: false })
        {
            await Task.Delay(50, deadline.Token);
        }

        Assert.Contains("backend=\"nosuch\"", reloader.LastReload.Error, StringComparison.Ordinal);
        using (var alice = await LoginAsync(frontDoor, "alice"))
        {
            Assert.Equal("other", BackendOf(frontDoor, "alice"));
        }

        var refused = reloader.LastReload;
        await File.WriteAllTextAsync(frontDoor.ConfigPath, good.Replace(Map, """<map value="mail2.example.com" backend="modern" />""", StringComparison.Ordinal));
        while (ReferenceEquals(reloader.LastReload, refused) || !reloader.LastReload!.Applied)
        {
            await Task.Delay(50, deadline.Token);
        }

        using var again = await LoginAsync(frontDoor, "alice");
        Assert.Equal("modern", BackendOf(frontDoor, "alice"));
    }

    [Fact]
    public async Task Servers_are_tried_in_order_a_dead_first_one_is_passed_over()
    {
        await using var slapd = await SlapdServer.StartAsync(People);
        var dead = LoopbackPorts.Pick();
        await using var frontDoor = await TestFrontDoor.StartAsync(Config(slapd).Replace($"server=\"{slapd.Url}\"", $"server=\"ldap://127.0.0.1:{dead} {slapd.Url}\"", StringComparison.Ordinal));

        using var alice = await LoginAsync(frontDoor, "alice");
        Assert.Equal("other", BackendOf(frontDoor, "alice"));
    }

    [Fact]
    public async Task An_unreachable_directory_at_start_up_is_not_fatal_static_routes_serve_and_directory_users_are_unavailable()
    {
        var logs = new CapturingLoggerProvider();
        var dead = LoopbackPorts.Pick();
        await using var frontDoor = await TestFrontDoor.StartAsync($"""
            <backends>
              <backend name="modern" endpoint="127.0.0.1:{_pair.Modern.Port}" literalPlus="passthrough" />
              <backend name="other" endpoint="127.0.0.1:{_pair.Other.Port}" literalPlus="passthrough" />
            </backends>
            <routing default="modern">
              <route user="alice" backend="other" />
              <directory server="ldap://127.0.0.1:{dead}" base="{SlapdServer.People}" timeout="1" />
            </routing>
            """, "", services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs));

        using (var alice = await LoginAsync(frontDoor, "alice"))
        {
            Assert.Equal("other", BackendOf(frontDoor, "alice"));
        }

        Assert.StartsWith("a NO [UNAVAILABLE]", await RawLoginAsync(frontDoor, "bob", DovecotPairFixture.Users["bob"]));
        Assert.Contains(logs.Lines, l => l.Contains("unreachable", StringComparison.Ordinal) && l.Contains($"127.0.0.1:{dead}", StringComparison.Ordinal));
    }
}
