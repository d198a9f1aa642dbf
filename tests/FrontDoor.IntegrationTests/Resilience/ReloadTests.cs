using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.IntegrationTests.Resilience;

/// <summary>Editing FrontDoor.config while sessions are open.</summary>
public class ReloadTests
{
    private static readonly Dictionary<string, string> Users = new() { ["bob"] = "bob-pw" };

    [Fact]
    public async Task A_routing_edit_moves_new_logins_and_keeps_open_sessions_and_a_bad_edit_is_ignored()
    {
        await using var first = await DovecotServer.StartAsync(Users);
        await using var second = await DovecotServer.StartAsync(Users);
        await using var firstTap = RecordingTap.Start(first.Host, first.Port);
        await using var secondTap = RecordingTap.Start(second.Host, second.Port);
        var backends = $"""<backends><backend name="one" endpoint="127.0.0.1:{firstTap.Port}" /><backend name="two" endpoint="127.0.0.1:{secondTap.Port}" /></backends>""";
        await using var frontDoor = await TestFrontDoor.StartAsync(backends + """<routing default="one" />""");

        await using var open = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await open.ReadLineAsync();
        await open.SendAsync("a1 LOGIN bob bob-pw\r\n");
        Assert.StartsWith("a1 OK", await open.ReadLineAsync(), StringComparison.Ordinal);

        var config = await File.ReadAllTextAsync(frontDoor.ConfigPath);
        await File.WriteAllTextAsync(frontDoor.ConfigPath, config.Replace("<routing default=\"one\" />", "<routing default=\"two\" />", StringComparison.Ordinal));
        await WaitForLoginOnAsync(frontDoor, secondTap);

        // The session opened before the edit still talks to its backend.
        await open.SendAsync("a2 NOOP\r\n");
        Assert.StartsWith("a2 OK", await open.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Contains("a2 NOOP", firstTap.SentToBackend, StringComparison.Ordinal);

        // A broken edit: FrontDoor keeps the last good routing and keeps running.
        await File.WriteAllTextAsync(frontDoor.ConfigPath, "<configuration><frontDoor><routing default=\"two\"");
        await Task.Delay(1000);
        var before = secondTap.Accepted;
        await using (var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint))
        {
            await client.ReadLineAsync();
            await client.SendAsync("a1 LOGIN bob bob-pw\r\n");
            Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(before + 1, secondTap.Accepted);
    }

    /// <summary>Logs in until a login lands on <paramref name="tap"/>'s backend (the file watcher takes a moment).</summary>
    private static async Task WaitForLoginOnAsync(TestFrontDoor frontDoor, RecordingTap tap)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            await using (var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint))
            {
                await client.ReadLineAsync();
                await client.SendAsync("a1 LOGIN bob bob-pw\r\n");
                Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
            }

            if (tap.Accepted > 0)
            {
                return;
            }

            await Task.Delay(250);
        }

        Assert.Fail("the routing edit was not picked up");
    }
}
