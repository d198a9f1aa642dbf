using FrontDoor.Core.Backends;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Backends;

public class BackendResolverTests
{
    private static readonly string[] Users = [.. Enumerable.Range(0, 600).Select(i => $"user{i}@example.com")];

    private sealed class Catalog(BackendCatalog current) : IBackendCatalogMonitor
    {
        public BackendCatalog Current { get; } = current;
    }

    private static BackendTarget Backend(string name, int port) => new() { Name = name, Endpoints = [new BackendEndpoint("127.0.0.1", port)] };

    private static BackendCatalog Pool(params string[] members)
    {
        var backends = members.Select((m, i) => Backend(m, 2000 + i)).ToDictionary(b => b.Name, StringComparer.OrdinalIgnoreCase);
        return new BackendCatalog(backends, new Dictionary<string, BackendPool> { ["modern"] = new("modern", members) });
    }

    private static Dictionary<string, string> Assign(BackendResolver resolver) =>
        Users.ToDictionary(u => u, u => resolver.Resolve("modern", u, out _)!.Name);

    [Fact]
    public void Every_node_sends_a_user_to_the_same_member_and_spreads_users_over_all()
    {
        var catalog = Pool("mbx1", "mbx2", "mbx3");
        var nodeA = Assign(new BackendResolver(new Catalog(catalog), new BackendHealth(TimeProvider.System)));
        var nodeB = Assign(new BackendResolver(new Catalog(Pool("mbx1", "mbx2", "mbx3")), new BackendHealth(TimeProvider.System)));

        Assert.Equal(nodeA, nodeB);
        Assert.Equal(nodeA["USER7@example.com".ToLowerInvariant()], new BackendResolver(new Catalog(catalog), new BackendHealth(TimeProvider.System)).Resolve("modern", "USER7@EXAMPLE.COM", out _)!.Name);
        foreach (var member in new[] { "mbx1", "mbx2", "mbx3" })
        {
            // 600 users over 3 members: each gets a fair share (a third is 200).
            Assert.InRange(nodeA.Values.Count(v => v == member), 140, 260);
        }
    }

    [Fact]
    public void A_member_whose_breakers_open_moves_only_its_own_users_and_they_come_back()
    {
        var health = new BackendHealth(TimeProvider.System);
        var catalog = Pool("mbx1", "mbx2", "mbx3");
        var resolver = new BackendResolver(new Catalog(catalog), health);
        var before = Assign(resolver);

        health.BreakerOpened("mbx2", catalog.Backends["mbx2"].Endpoints[0], TimeSpan.FromMinutes(1));
        var during = Assign(resolver);
        Assert.DoesNotContain("mbx2", during.Values);
        foreach (var user in Users.Where(u => before[u] != "mbx2"))
        {
            Assert.Equal(before[user], during[user]);
        }

        health.BreakerClosed("mbx2", catalog.Backends["mbx2"].Endpoints[0]);
        Assert.Equal(before, Assign(resolver));
    }

    [Fact]
    public void Drained_backends_take_no_new_logins()
    {
        var health = new BackendHealth(TimeProvider.System);
        var catalog = Pool("mbx1", "mbx2");
        var resolver = new BackendResolver(new Catalog(catalog), health);
        health.SetDrained("mbx1", true);
        Assert.All(Assign(resolver).Values, v => Assert.Equal("mbx2", v));

        Assert.Null(resolver.Resolve("mbx1", "alice", out var direct));
        Assert.Equal(ResolveFailure.Drained, direct);

        health.SetDrained("mbx2", true);
        Assert.Null(resolver.Resolve("modern", "alice", out var pool));
        Assert.Equal(ResolveFailure.Drained, pool);

        Assert.Null(resolver.Resolve("nowhere", "alice", out var unknown));
        Assert.Equal(ResolveFailure.Unknown, unknown);
    }

    [Fact]
    public void With_every_member_unreachable_the_best_one_is_still_tried()
    {
        var health = new BackendHealth(TimeProvider.System);
        var catalog = Pool("mbx1", "mbx2");
        var resolver = new BackendResolver(new Catalog(catalog), health);
        var before = resolver.Resolve("modern", "alice", out _)!.Name;
        foreach (var backend in catalog.Backends.Values)
        {
            health.BreakerOpened(backend.Name, backend.Endpoints[0], TimeSpan.FromMinutes(1));
        }

        Assert.Equal(before, resolver.Resolve("modern", "alice", out var failure)!.Name);
        Assert.Equal(ResolveFailure.None, failure);
    }

    [Fact]
    public void An_open_breaker_counts_only_for_its_break_so_the_member_is_tried_again()
    {
        // A pool sends no logins to a broken member, so Polly would never half-open its breaker: after the
        // break the member is offered again, and the next login through it half-opens the breaker.
        var clock = new FakeTimeProvider();
        var health = new BackendHealth(clock);
        var catalog = Pool("mbx1", "mbx2", "mbx3");
        var resolver = new BackendResolver(new Catalog(catalog), health);
        var before = Assign(resolver);

        health.BreakerOpened("mbx2", catalog.Backends["mbx2"].Endpoints[0], TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("mbx2", Assign(resolver).Values);
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(before, Assign(resolver));
    }
}
