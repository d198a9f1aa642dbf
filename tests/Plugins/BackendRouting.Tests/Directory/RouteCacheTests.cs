using FrontDoor.Core.Hooks;
using FrontDoor.Plugins.BackendRouting.Directory;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FrontDoor.Plugins.BackendRouting.Tests.Directory;

/// <summary>
/// The route cache on a fake clock. The directory is a function the test controls: an in-process stand-in,
/// since what is tested is the cache's bookkeeping (the real directory is tested against slapd).
/// </summary>
public class RouteCacheTests
{
    private static readonly CachedRoute Found = new(RouteResult.To("mbx1"), "uid=alice,ou=people,dc=example,dc=com");

    private readonly FakeTimeProvider _clock = new();
    private int _lookups;

    private static DirectorySettings Settings => new()
    {
        Servers = [new Uri("ldap://127.0.0.1")],
        Base = "dc=example,dc=com",
        Filter = LdapFilter.Parse("(uid=%u)", "filter"),
        Map = new Dictionary<string, string>(),
        CacheTime = TimeSpan.FromSeconds(60),
        NegativeCacheTime = TimeSpan.FromSeconds(15),
        StaleTime = TimeSpan.FromSeconds(3600),
    };

    private RouteCache Cache(Func<string, Task<CachedRoute>> directory, Func<IReadOnlySet<string>>? loggedIn = null) =>
        new(login => { Interlocked.Increment(ref _lookups); return directory(login); }, Settings, _clock, DirectoryMetrics.Unobserved, loggedIn);

    /// <summary>Fills the cache past its size with random logins, then makes the next lookup sweep it.</summary>
    private async Task FillAndSweepAsync(RouteCache cache)
    {
        for (var i = 0; i < RouteCache.SweepAbove; i++)
        {
            await cache.GetAsync("random" + i, default);
        }

        _clock.Advance(TimeSpan.FromSeconds(16));
        await cache.GetAsync("random-last", default);
    }

    private static Task<CachedRoute> Down(string login) => Task.FromException<CachedRoute>(new DirectoryUnavailableException("down"));

    [Fact]
    public async Task A_found_route_is_cached_for_cacheSeconds()
    {
        var cache = Cache(_ => Task.FromResult(Found));
        await cache.GetAsync("alice", default);
        _clock.Advance(TimeSpan.FromSeconds(59));
        await cache.GetAsync("ALICE", default);
        Assert.Equal(1, _lookups);

        _clock.Advance(TimeSpan.FromSeconds(2));
        await cache.GetAsync("alice", default);
        Assert.Equal(2, _lookups);
    }

    [Fact]
    public async Task Not_found_is_cached_for_negativeCacheSeconds()
    {
        var cache = Cache(_ => Task.FromResult(CachedRoute.NotFound));
        await cache.GetAsync("nobody", default);
        _clock.Advance(TimeSpan.FromSeconds(14));
        await cache.GetAsync("nobody", default);
        Assert.Equal(1, _lookups);
        _clock.Advance(TimeSpan.FromSeconds(2));
        await cache.GetAsync("nobody", default);
        Assert.Equal(2, _lookups);
    }

    [Fact]
    public async Task Concurrent_logins_of_one_user_cause_one_lookup()
    {
        var answer = new TaskCompletionSource<CachedRoute>(TaskCreationOptions.RunContinuationsAsynchronously);
        var cache = Cache(_ => answer.Task);
        var logins = Enumerable.Range(0, 50).Select(_ => cache.GetAsync("alice", default).AsTask()).ToList();
        await Task.Delay(50);
        answer.SetResult(Found);
        var routes = await Task.WhenAll(logins);
        Assert.All(routes, r => Assert.Equal(Found, r));
        Assert.Equal(1, _lookups);
    }

    [Fact]
    public async Task While_the_directory_is_down_an_expired_route_serves_for_staleSeconds_then_not()
    {
        var up = true;
        var cache = Cache(login => up ? Task.FromResult(Found) : Down(login));
        await cache.GetAsync("alice", default);
        up = false;

        _clock.Advance(TimeSpan.FromSeconds(60 + 3599));
        Assert.Equal(Found, await cache.GetAsync("alice", default));

        _clock.Advance(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => cache.GetAsync("alice", default).AsTask());
    }

    [Fact]
    public async Task An_uncached_user_or_a_cached_not_found_gets_unavailable_while_the_directory_is_down()
    {
        var up = true;
        var cache = Cache(login => up ? Task.FromResult(CachedRoute.NotFound) : Down(login));
        await cache.GetAsync("nobody", default);
        up = false;
        _clock.Advance(TimeSpan.FromSeconds(16));
        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => cache.GetAsync("nobody", default).AsTask());
        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => cache.GetAsync("bob", default).AsTask());
    }

    [Fact]
    public async Task A_failed_lookup_is_not_cached()
    {
        var up = false;
        var cache = Cache(login => up ? Task.FromResult(Found) : Down(login));
        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => cache.GetAsync("alice", default).AsTask());
        up = true;
        Assert.Equal(Found, await cache.GetAsync("alice", default));
        Assert.Equal(2, _lookups);
    }

    [Fact]
    public async Task A_replaced_route_is_served_fresh_and_found_by_its_entry()
    {
        var cache = Cache(_ => Task.FromResult(Found));
        await cache.GetAsync("alice", default);
        var moved = Found with { Result = RouteResult.To("mbx2") };
        cache.Replace("alice", moved);
        Assert.Equal(moved, await cache.GetAsync("alice", default));
        Assert.Equal(("alice", moved), Assert.Single(cache.ByEntries([Found.Dn!, "uid=nobody"])[Found.Dn!]));
        Assert.Equal(1, _lookups);
    }

    [Fact]
    public async Task Past_its_size_unusable_answers_are_dropped_and_usable_ones_kept()
    {
        var cache = Cache(login => Task.FromResult(login.StartsWith("user", StringComparison.Ordinal) ? Found : CachedRoute.NotFound));
        await cache.GetAsync("user0", default);
        await FillAndSweepAsync(cache);
        Assert.True(cache.Count < 10, $"{cache.Count} answers kept");
        await cache.GetAsync("user0", default);
        Assert.Equal(RouteCache.SweepAbove + 2, _lookups);
    }

    [Fact]
    public async Task A_sweep_keeps_the_answers_of_users_logged_in_here_however_old()
    {
        var loggedIn = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "USER0" };
        var cache = Cache(login => Task.FromResult(login.StartsWith("user", StringComparison.Ordinal) ? Found : CachedRoute.NotFound), () => loggedIn);
        await cache.GetAsync("user0", default);
        await cache.GetAsync("user1", default);
        _clock.Advance(TimeSpan.FromSeconds(3700));
        await FillAndSweepAsync(cache);

        // user1's answer, past cacheSeconds and staleSeconds, is gone; user0's stays, so the watch still finds user0 by the entry.
        Assert.True(cache.Count < 10, $"{cache.Count} answers kept");
        Assert.Equal(["user0"], cache.ByEntries([Found.Dn!])[Found.Dn!].Select(e => e.Login));
    }

    [Fact]
    public async Task Answers_taken_over_from_a_replaced_cache_keep_their_age_and_are_found_by_their_entry()
    {
        var earlier = Cache(_ => Task.FromResult(Found with { Value = "mail2.example.com" }));
        await earlier.GetAsync("alice", default);
        _clock.Advance(TimeSpan.FromSeconds(30));

        var resolvedAgain = Found with { Result = RouteResult.To("mbx2"), Value = "mail2.example.com" };
        var cache = Cache(_ => Task.FromResult(resolvedAgain));
        Assert.Equal(1, cache.Adopt(earlier, old => old with { Result = RouteResult.To("mbx2") }));
        Assert.Equal(("alice", resolvedAgain), Assert.Single(cache.ByEntries([Found.Dn!])[Found.Dn!]));

        // Served from the taken-over answer until its own cacheSeconds run out, then looked up.
        Assert.Equal(resolvedAgain, await cache.GetAsync("alice", default));
        Assert.Equal(1, _lookups);
        _clock.Advance(TimeSpan.FromSeconds(31));
        await cache.GetAsync("alice", default);
        Assert.Equal(2, _lookups);
    }

    [Fact]
    public async Task An_answer_the_new_configuration_does_not_resolve_is_not_taken_over()
    {
        var earlier = Cache(_ => Task.FromResult(Found));
        await earlier.GetAsync("alice", default);
        var cache = Cache(_ => Task.FromResult(Found));
        Assert.Equal(0, cache.Adopt(earlier, _ => null));
        Assert.Empty(cache.ByEntries([Found.Dn!])[Found.Dn!]);
    }
}
