using System.Globalization;
using FrontDoor.IntegrationTests.Servers;
using MailKit.Security;
using Xunit;

namespace FrontDoor.IntegrationTests.ScaleOut;

/// <summary>
/// A pool of two real Dovecot servers (as if on shared storage) behind three FrontDoor nodes: every node
/// sends a user to the same member with no talk between nodes (rendezvous hashing), a member that goes
/// down moves only its own users, and they come back when it recovers.
/// </summary>
public class PoolTests
{
    private static readonly Dictionary<string, string> Users = Enumerable.Range(0, 12)
        .ToDictionary(i => "user" + i.ToString("00", CultureInfo.InvariantCulture), i => "pw-" + i.ToString(CultureInfo.InvariantCulture));

    [Fact]
    public async Task Nodes_agree_on_each_users_member_and_a_member_down_moves_only_its_users()
    {
        await using var first = await DovecotServer.StartAsync(Users);
        await using var second = await DovecotServer.StartAsync(Users);
        await using var nodes = await Nodes.StartAsync(3, $"""
            <backends>
              <backend name="m1" endpoint="127.0.0.1:{first.Port}" breakDuration="2" breakerFailures="2" />
              <backend name="m2" endpoint="127.0.0.1:{second.Port}" breakDuration="2" breakerFailures="2" />
              <pool name="mail" members="m1 m2" />
            </backends>
            <routing default="mail" />
            """);

        // Every user on every node: one member per user, the same on all three.
        var placement = new Dictionary<string, string>();
        foreach (var (user, password) in Users)
        {
            var seen = new HashSet<string>();
            foreach (var node in nodes.All)
            {
                seen.Add(await LoginAndSeeBackendAsync(node, user, password));
            }

            placement[user] = Assert.Single(seen);
        }

        Assert.Contains("m1", placement.Values);
        Assert.Contains("m2", placement.Values);

        // m2 crashes: its users move to m1 once each node's breaker for m2 opens; m1's users never move.
        await second.KillAsync();
        foreach (var (user, password) in Users)
        {
            foreach (var node in nodes.All)
            {
                Assert.Equal("m1", await LoginAndSeeBackendAsync(node, user, password, retryUnavailable: true));
            }
        }

        // m2 is back: after the break its users go home on their next login.
        await second.RestartAsync();
        var movedBack = placement.First(p => p.Value == "m2").Key;
        foreach (var node in nodes.All)
        {
            var backend = "m1";
            for (var attempt = 0; attempt < 100 && backend != "m2"; attempt++)
            {
                await Task.Delay(200);
                backend = await LoginAndSeeBackendAsync(node, movedBack, Users[movedBack], retryUnavailable: true);
            }

            Assert.Equal("m2", backend);
        }
    }

    /// <summary>Logs in, reads the backend from the node's session registry, logs out.</summary>
    private static async Task<string> LoginAndSeeBackendAsync(Testing.TestFrontDoor node, string user, string password, bool retryUnavailable = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            MailKit.Net.Imap.ImapClient client;
            try
            {
                client = await Nodes.LoginAsync(node.Endpoint, user, password);
            }
            catch (AuthenticationException) when (retryUnavailable && attempt < 200)
            {
                // NO [UNAVAILABLE]: the member's breaker is not open yet; poll, as a client would reconnect.
                await Task.Delay(100);
                continue;
            }

            var backend = await Nodes.BackendOfAsync(node, user);
            await Nodes.LogoutAsync(node, client, user);
            return backend;
        }
    }
}
