using FrontDoor.Core.Hooks;
using FrontDoor.Core.Sessions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

public class SessionRegistryTests
{
    private static readonly BackendTarget Mbx1 = new() { Name = "mbx1", Endpoints = [new BackendEndpoint("127.0.0.1", 1)] };
    private static readonly BackendTarget Mbx2 = new() { Name = "mbx2", Endpoints = [new BackendEndpoint("127.0.0.1", 2)] };

    private static SessionInfo Session(string id, string user, BackendTarget backend, TimeProvider time, List<string> kicked)
    {
        var context = new SessionContext(id, user, backend, new CapabilitySet(), null) { Listener = "imap" };
        var info = new SessionInfo(context, backend.Endpoints[0], time);
        info.Attach(new KickRecorder(id, kicked));
        return info;
    }

    /// <summary>Stands in for a relay: notes each kick.</summary>
    private sealed class KickRecorder(string id, List<string> kicked) : ISessionControl
    {
        public void Kick(string reason)
        {
            lock (kicked)
            {
                kicked.Add($"{id}: {reason}");
            }
        }

        public void StopTakingCommands()
        {
        }
    }

    [Fact]
    public async Task Kicks_end_only_the_matching_sessions_in_paced_batches()
    {
        var time = new FakeTimeProvider();
        var registry = new SessionRegistry(time, kickBatch: 100, kickPause: TimeSpan.FromSeconds(1));
        var kicked = new List<string>();
        for (var i = 0; i < 250; i++)
        {
            registry.Add(Session($"s{i}", $"user{i % 2}", i % 2 == 0 ? Mbx1 : Mbx2, time, kicked));
        }

        // 125 sessions on mbx1: a batch of 100, a pause, then 25.
        var kick = registry.KickAsync(s => s.Backend == "mbx1", "Your mailbox moved");
        Assert.False(kick.IsCompleted);
        lock (kicked)
        {
            Assert.Equal(100, kicked.Count);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(125, await kick);
        Assert.Equal(125, kicked.Count);
        Assert.All(kicked, k => Assert.EndsWith(": Your mailbox moved", k, StringComparison.Ordinal));
        Assert.All(kicked, k => Assert.Equal(0, int.Parse(k[1..k.IndexOf(':', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture) % 2));
    }

    [Fact]
    public void Find_filters_and_a_removed_session_is_gone()
    {
        var time = new FakeTimeProvider();
        var registry = new SessionRegistry(time);
        var kicked = new List<string>();
        var alice = Session("a", "alice", Mbx1, time, kicked);
        registry.Add(alice);
        registry.Add(Session("b", "bob", Mbx2, time, kicked));

        Assert.Equal(2, registry.Count);
        Assert.Equal("alice", Assert.Single(registry.Find(s => s.Backend == "mbx1")).User);
        Assert.Same(alice, registry.Find("a"));

        registry.Remove(alice);
        Assert.Null(registry.Find("a"));
        Assert.Equal(1, registry.Count);
    }

    [Fact]
    public void Figures_are_read_as_the_pumps_leave_them()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-30T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var info = Session("a", "alice", Mbx1, time, []);
        info.AddToBackend(10);
        info.AddToBackend(5);
        info.AddToClient(7);
        info.LiteralConverted();
        time.Advance(TimeSpan.FromMinutes(3));
        info.Touch();

        Assert.Equal(15, info.BytesToBackend);
        Assert.Equal(7, info.BytesToClient);
        Assert.Equal(1, info.LiteralConversions);
        Assert.Equal(info.StartedAt + TimeSpan.FromMinutes(3), info.LastActivity);
    }

    [Fact]
    public async Task A_reason_on_two_lines_is_refused()
    {
        var registry = new SessionRegistry(new FakeTimeProvider());
        await Assert.ThrowsAsync<ArgumentException>(() => registry.KickAsync(_ => true, "a\r\n* OK injected"));
    }
}
