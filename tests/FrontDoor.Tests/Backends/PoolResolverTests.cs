using FrontDoor.Core.Backends;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FrontDoor.Tests.Backends;

/// <summary>Rendezvous hashing over a pool's members, with breakers and drains, on a fake clock.</summary>
public class PoolResolverTests
{
    private static readonly string[] Users = [.. Enumerable.Range(0, 200).Select(i => $"user{i}@example.org")];

    private sealed class Catalog(BackendCatalog current) : IBackendCatalogMonitor
    {
        public BackendCatalog Current => current;
    }

    private static BackendTarget Member(string name, int port) => new() { Name = name, Endpoints = [new BackendEndpoint("127.0.0.1", port)] };

    private static (BackendResolver Resolver, BackendHealth Health, FakeTimeProvider Clock) Build()
    {
        var members = new[] { Member("m1", 1), Member("m2", 2), Member("m3", 3) };
        var catalog = new BackendCatalog(
            members.ToDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase),
            new Dictionary<string, BackendPool>(StringComparer.OrdinalIgnoreCase) { ["mail"] = new("mail", ["m1", "m2", "m3"]) });
        var clock = new FakeTimeProvider();
        var health = new BackendHealth(clock);
        return (new BackendResolver(new Catalog(catalog), health), health, clock);
    }

    private static Dictionary<string, string> Placement(BackendResolver resolver) =>
        Users.ToDictionary(u => u, u => resolver.Resolve("mail", u, out _)!.Name);

    [Fact]
    public void Users_spread_over_the_members_and_case_does_not_matter()
    {
        var (resolver, _, _) = Build();
        var placement = Placement(resolver);
        Assert.All(new[] { "m1", "m2", "m3" }, m => Assert.InRange(placement.Values.Count(v => v == m), 30, 110));
        Assert.All(Users, u => Assert.Equal(placement[u], resolver.Resolve("mail", u.ToUpperInvariant(), out _)!.Name));
    }

    [Fact]
    public void An_open_breaker_moves_only_its_users_until_its_break_ends()
    {
        var (resolver, health, clock) = Build();
        var before = Placement(resolver);

        health.BreakerOpened("m2", new BackendEndpoint("127.0.0.1", 2), TimeSpan.FromSeconds(30));
        var during = Placement(resolver);
        Assert.All(Users, u => Assert.Equal(before[u] == "m2" ? during[u] : before[u], during[u]));
        Assert.DoesNotContain("m2", during.Values);

        // After the break the member is offered again, so a login can half-open its breaker.
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(before, Placement(resolver));
    }

    [Fact]
    public void A_drained_member_moves_its_users_and_a_fully_drained_pool_resolves_to_nothing()
    {
        var (resolver, health, _) = Build();
        var before = Placement(resolver);
        health.SetDrained("m1", true);
        var during = Placement(resolver);
        Assert.All(Users, u => Assert.Equal(before[u] == "m1" ? during[u] : before[u], during[u]));
        Assert.DoesNotContain("m1", during.Values);

        health.SetDrained("m2", true);
        health.SetDrained("m3", true);
        Assert.Null(resolver.Resolve("mail", "bob", out var failure));
        Assert.Equal(ResolveFailure.Drained, failure);
    }
}
