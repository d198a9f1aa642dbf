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
    public async Task A_re_route_ends_the_open_sessions_on_the_old_backend_and_new_logins_go_to_the_new_one()
    {
        await using var slapd = await SlapdServer.StartAsync(People);
        await using var frontDoor = await TestFrontDoor.StartAsync(Config(slapd, """watch="true" cacheSeconds="3600" """));

        using var alice = await LoginAsync(frontDoor, "alice");
        await alice.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        Assert.Equal("other", BackendOf(frontDoor, "alice"));

        await slapd.SetMailHostAsync("alice", "modern");

        // The watch sees the change, replaces the cached route and ends the session on "other" with BYE.
        using var deadline = new CancellationTokenSource(Patience);
        var registry = frontDoor.Services.GetRequiredService<ISessionRegistry>();
        while (registry.Find(s => s.User == "alice" && s.Backend == "other").Count > 0)
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
}
