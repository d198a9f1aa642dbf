using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.IntegrationTests.Resilience;

/// <summary>Failover, circuit breaking and timeouts against real Dovecot servers (and a tap that can fail on demand).</summary>
public class ResilienceTests
{
    private static readonly Dictionary<string, string> Users = new() { ["bob"] = "bob-pw" };

    private static async Task<string> LoginAsync(TestFrontDoor frontDoor, string user = "bob")
    {
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync($"a1 LOGIN {user} {Users[user]}\r\n");
        var answer = await client.ReadLineAsync() ?? "<closed>";
        if (answer.StartsWith("a1 OK", StringComparison.Ordinal))
        {
            await client.SendAsync("a2 LOGOUT\r\n");
            await client.ReadUntilAsync("a2 ");
        }

        return answer;
    }

    [Fact]
    public async Task When_the_primary_is_killed_the_next_login_fails_over_to_the_alternate()
    {
        await using var primary = await DovecotServer.StartAsync(Users);
        await using var secondary = await DovecotServer.StartAsync(Users);
        await using var primaryTap = RecordingTap.Start(primary.Host, primary.Port);
        await using var secondaryTap = RecordingTap.Start(secondary.Host, secondary.Port);
        await using var frontDoor = await TestFrontDoor.StartAsync($"""
            <backends><backend name="ha" endpoint="127.0.0.1:{primaryTap.Port}" alternates="127.0.0.1:{secondaryTap.Port}" connectTimeout="2" /></backends>
            <routing default="ha" />
            """);

        Assert.StartsWith("a1 OK", await LoginAsync(frontDoor), StringComparison.Ordinal);
        Assert.Contains("LOGIN \"bob\"", primaryTap.SentToBackend, StringComparison.Ordinal);
        Assert.Equal(0, secondaryTap.Accepted);

        await primary.KillAsync();
        Assert.StartsWith("a1 OK", await LoginAsync(frontDoor), StringComparison.Ordinal);
        Assert.Contains("LOGIN \"bob\"", secondaryTap.SentToBackend, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_breaker_opens_after_repeated_failures_and_closes_after_its_break()
    {
        await using var primary = await DovecotServer.StartAsync(Users);
        await using var secondary = await DovecotServer.StartAsync(Users);
        await using var primaryTap = RecordingTap.Start(primary.Host, primary.Port);
        await using var frontDoor = await TestFrontDoor.StartAsync($"""
            <backends><backend name="ha" endpoint="127.0.0.1:{primaryTap.Port}" alternates="127.0.0.1:{secondary.Port}" breakerFailures="2" breakDuration="4" /></backends>
            <routing default="ha" />
            """);

        primaryTap.Mode = TapMode.CloseAtOnce;
        Assert.StartsWith("a1 OK", await LoginAsync(frontDoor), StringComparison.Ordinal);
        var afterFirstFailure = primaryTap.Accepted;
        Assert.InRange(afterFirstFailure, 2, 3);

        // Open: the primary is not even tried, the login goes straight to the alternate.
        Assert.StartsWith("a1 OK", await LoginAsync(frontDoor), StringComparison.Ordinal);
        Assert.Equal(afterFirstFailure, primaryTap.Accepted);

        // After the break the breaker lets a trial through; the primary is healthy again and takes the login.
        primaryTap.Mode = TapMode.Forward;
        await Task.Delay(TimeSpan.FromSeconds(4.5));
        Assert.StartsWith("a1 OK", await LoginAsync(frontDoor), StringComparison.Ordinal);
        Assert.Equal(afterFirstFailure + 1, primaryTap.Accepted);
        Assert.Contains("LOGIN \"bob\"", primaryTap.SentToBackend, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_backend_that_accepts_and_never_greets_gives_unavailable_in_bounded_time()
    {
        await using var dovecot = await DovecotServer.StartAsync(Users);
        await using var hung = RecordingTap.Start(dovecot.Host, dovecot.Port);
        hung.Mode = TapMode.Silent;
        await using var frontDoor = await TestFrontDoor.StartAsync($"""
            <backends><backend name="hung" endpoint="127.0.0.1:{hung.Port}" connectTimeout="1" loginTimeout="5" /></backends>
            <routing default="hung" />
            """);

        Assert.Equal("a1 NO [UNAVAILABLE] The mail server is not available now, try again later", await LoginAsync(frontDoor));
        Assert.InRange(hung.Accepted, 1, ResilienceRetriesPlusOne);
    }

    private const int ResilienceRetriesPlusOne = 3;
}
