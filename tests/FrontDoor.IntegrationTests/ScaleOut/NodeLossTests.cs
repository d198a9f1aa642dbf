using System.Net;
using FrontDoor.Core.Hooks;
using FrontDoor.IntegrationTests.EndToEnd;
using FrontDoor.IntegrationTests.Servers;
using MailKit.Net.Imap;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FrontDoor.IntegrationTests.ScaleOut;

/// <summary>
/// Three FrontDoor nodes behind a real HAProxy running deploy/haproxy.cfg; one node, a separate process,
/// is killed like a crash. Only its sessions are lost, and new logins work again once HAProxy's checks
/// mark it down (inter 1s fall 2), with redispatch covering the logins in between.
/// </summary>
public class NodeLossTests
{
    [Fact]
    public async Task A_killed_node_loses_only_its_sessions_and_new_logins_go_on()
    {
        await using var dovecot = await DovecotServer.StartAsync(DovecotPairFixture.Users);
        var body = $"""<backends><backend name="d" endpoint="127.0.0.1:{dovecot.Port}" /></backends><routing default="d" />""";
        await using var nodes = await Nodes.StartAsync(2, body);
        await using var victim = await FrontDoorProcess.StartAsync(Nodes.Listener, body);
        await using var haproxy = await HaProxyServer.StartDeployConfigAsync([.. nodes.Endpoints, victim.EndPoint]);

        // Six sessions through HAProxy, each from its own address; leastconn puts two on each node.
        var sessions = new List<(IPAddress From, ImapClient Client)>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                var from = IPAddress.Parse($"127.0.0.{20 + i}");
                var client = await Nodes.LoginAsync(haproxy.EndPoint, "bob", "bob-pw", from);
                sessions.Add((from, client));
            }

            var survivors = sessions.Where(s => nodes.All.Any(n => OnNode(n, s.From))).ToList();
            var lost = sessions.Except(survivors).ToList();
            Assert.NotEmpty(lost);
            Assert.NotEmpty(survivors);

            await victim.KillAsync();

            // Its sessions are gone: the client sees the connection drop.
            foreach (var (_, client) in lost)
            {
                await Assert.ThrowsAnyAsync<Exception>(() => client.NoOpAsync());
            }

            // Every other session goes on as if nothing happened.
            foreach (var (_, client) in survivors)
            {
                await client.NoOpAsync();
                Assert.True(client.IsConnected);
            }

            // HAProxy's checks mark the node down (polled, no timing asserted); from then on every login works.
            for (var wait = 0; wait < 200 && !haproxy.Output.Contains("fd3 is DOWN", StringComparison.Ordinal); wait++)
            {
                await Task.Delay(100);
            }

            Assert.Contains("fd3 is DOWN", haproxy.Output, StringComparison.Ordinal);
            for (var login = 0; login < 10; login++)
            {
                using var client = await Nodes.LoginAsync(haproxy.EndPoint, "alice", "alice-pw", IPAddress.Parse("127.0.0.30"));
                await client.DisconnectAsync(quit: true);
            }
        }
        finally
        {
            foreach (var (_, client) in sessions)
            {
                client.Dispose();
            }
        }
    }

    private static bool OnNode(Testing.TestFrontDoor node, IPAddress from) =>
        node.Services.GetRequiredService<ISessionRegistry>().Find(s => from.Equals(s.ClientAddress?.Address)).Count > 0;
}
