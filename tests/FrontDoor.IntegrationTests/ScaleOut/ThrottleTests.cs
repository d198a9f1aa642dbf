using System.Net;
using System.Text.RegularExpressions;
using FrontDoor.Core.Hooks;
using FrontDoor.IntegrationTests.EndToEnd;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.IntegrationTests.ScaleOut;

/// <summary>
/// Failed logins counted in a real Redis shared by three nodes behind a real HAProxy: a brute force that
/// the balancer spreads over the nodes is slowed as one. Redis down: each node counts on its own, says so
/// once, and good logins go on.
/// </summary>
public partial class ThrottleTests
{
    // Small delays keep the test quick; the doubling is what is checked, from the logged values.
    private const string Limits = """<limits authFailureDelay="0.01" maxAuthFailureDelay="5" />""";

    private static string Body(int dovecotPort, int redisPort, string throttleAttributes = "") => $"""
        <backends><backend name="d" endpoint="127.0.0.1:{dovecotPort}" /></backends>
        <routing default="d" />
        <throttle redis="127.0.0.1:{redisPort}" {throttleAttributes} />
        {Limits}
        """;

    [Fact]
    public async Task A_brute_force_spread_over_the_nodes_is_counted_as_one()
    {
        await using var dovecot = await DovecotServer.StartAsync(DovecotPairFixture.Users);
        await using var redis = await RedisServer.StartAsync();
        // Every count must come from Redis: on a loaded machine an answer can take longer than the default
        // 500 ms, after which a node rightly counts on its own, and the shared counts below would not add up.
        await using var nodes = await Nodes.StartAsync(3, Body(dovecot.Port, redis.Port, """timeout="5" """));
        await using var haproxy = await HaProxyServer.StartDeployConfigAsync(nodes.Endpoints);

        // One guesser at 127.0.0.5, one connection per guess: HAProxy spreads them over the nodes.
        var guesser = IPAddress.Parse("127.0.0.5");
        for (var guess = 0; guess < 6; guess++)
        {
            Assert.StartsWith("a1 NO", await Nodes.FailLoginAsync(haproxy.EndPoint, "bob", guesser), StringComparison.Ordinal);
        }

        var counted = nodes.Logs.Select(log => Counted(log, "127.0.0.5")).ToList();
        Assert.True(counted.Count(c => c.Count > 0) >= 2, "the guesses reached at least two nodes");
        Assert.All(counted, c => Assert.True(c.Count < 6, "no node saw every guess"));

        // Yet the address's count grew across nodes, 1 to 6, and so did its delay: 10 ms doubled per failure.
        var all = counted.SelectMany(c => c).OrderBy(c => c.AddressFailures).ToList();
        Assert.Equal([1, 2, 3, 4, 5, 6], all.Select(c => c.AddressFailures));
        Assert.Equal(TimeSpan.FromMilliseconds(320), all[^1].Delay);

        // Many addresses guessing one user: the user's count grows across nodes too.
        for (var source = 6; source < 9; source++)
        {
            await Nodes.FailLoginAsync(haproxy.EndPoint, "carol@example.org", IPAddress.Parse($"127.0.0.{source}"));
        }

        var userCounts = nodes.Logs.SelectMany(log => Enumerable.Range(6, 3).SelectMany(s => Counted(log, $"127.0.0.{s}"))).ToList();
        Assert.All(userCounts, c => Assert.Equal(1, c.AddressFailures));
        Assert.Equal([1, 2, 3], userCounts.Select(c => c.UserFailures).Order());

        // A good login from the guesser's address still works at once, and clears its count.
        using var good = await Nodes.LoginAsync(haproxy.EndPoint, "bob", "bob-pw", guesser);
        Assert.True(good.IsAuthenticated);
        Assert.DoesNotContain(nodes.Logs.SelectMany(l => l.Lines), l => l.Contains("[4001]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Redis_going_down_falls_back_to_each_node_good_logins_still_work_and_it_comes_back()
    {
        await using var dovecot = await DovecotServer.StartAsync(DovecotPairFixture.Users);
        await using var redis = await RedisServer.StartAsync();
        await using var nodes = await Nodes.StartAsync(1, Body(dovecot.Port, redis.Port));
        var node = nodes.All[0];
        var from = IPAddress.Parse("127.0.0.10");

        Assert.StartsWith("a1 NO", await Nodes.FailLoginAsync(node.Endpoint, "bob", from), StringComparison.Ordinal);
        Assert.Single(Counted(nodes.Logs[0], "127.0.0.10"));

        await redis.KillAsync();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            Assert.StartsWith("a1 NO", await Nodes.FailLoginAsync(node.Endpoint, "bob", from), StringComparison.Ordinal);
            using var good = await Nodes.LoginAsync(node.Endpoint, "alice", "alice-pw");
            Assert.True(good.IsAuthenticated);
            await good.DisconnectAsync(quit: true);
        }

        // Said once, not per login; never an error.
        Assert.Single(nodes.Logs[0].Lines, l => l.Contains("[4001]", StringComparison.Ordinal));
        Assert.DoesNotContain(nodes.Logs[0].Lines, l => l.StartsWith("Error ", StringComparison.Ordinal));

        // Redis back on its port: the node reconnects by itself, says so once, and counts in Redis again.
        await using var back = await RedisServer.StartAsync(redis.Port);
        for (var attempt = 0; attempt < 120 && !nodes.Logs[0].Lines.Any(l => l.Contains("[4002]", StringComparison.Ordinal)); attempt++)
        {
            await Task.Delay(250);
            await Nodes.FailLoginAsync(node.Endpoint, "bob", IPAddress.Parse("127.0.0.12"));
        }

        Assert.Single(nodes.Logs[0].Lines, l => l.Contains("[4002]", StringComparison.Ordinal));
        Assert.NotEmpty(Counted(nodes.Logs[0], "127.0.0.12"));
    }

    [Fact]
    public async Task Redis_unreachable_from_the_start_is_not_fatal()
    {
        await using var dovecot = await DovecotServer.StartAsync(DovecotPairFixture.Users);
        await using var nodes = await Nodes.StartAsync(1, Body(dovecot.Port, LoopbackPorts.Pick()));
        var node = nodes.All[0];

        Assert.StartsWith("a1 NO", await Nodes.FailLoginAsync(node.Endpoint, "bob", IPAddress.Parse("127.0.0.11")), StringComparison.Ordinal);
        using var good = await Nodes.LoginAsync(node.Endpoint, "bob", "bob-pw");
        Assert.True(good.IsAuthenticated);
        Assert.Single(nodes.Logs[0].Lines, l => l.Contains("[4001]", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""<throttle redis="localhost" />""", """<throttle> redis="localhost": expected host:port""")]
    [InlineData("""<throttle redis="127.0.0.1:6379" forget="-1" />""", """<throttle> forget="-1": expected a positive number of seconds""")]
    public async Task A_bad_throttle_element_stops_start_up_with_one_line(string element, string message)
    {
        var error = await Assert.ThrowsAsync<FrontDoorConfigurationException>(() => TestFrontDoor.StartAsync(
            """<backends><backend name="b" endpoint="127.0.0.1:9" /></backends><routing default="b" />""" + element));
        Assert.Equal(message, error.Message);
    }

    /// <summary>The failed logins a node counted in Redis for one client address, from its Debug lines.</summary>
    private static List<(long AddressFailures, long UserFailures, TimeSpan Delay)> Counted(CapturingLoggerProvider log, string address) =>
        [.. log.Lines
            .Where(l => l.Contains("[4003]", StringComparison.Ordinal) && l.Contains($"Address={address};", StringComparison.Ordinal))
            .Select(l => CountedLine().Match(l))
            .Select(m => (long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture),
                TimeSpan.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture)))];

    [GeneratedRegex("AddressFailures=([0-9]+);UserFailures=([0-9]+);Delay=([0-9:.]+);")]
    private static partial Regex CountedLine();
}
