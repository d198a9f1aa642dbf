using System.Text;
using FrontDoor.Core.Backends;
using FrontDoor.Core.Protocol.Sasl;
using FrontDoor.IntegrationTests.Servers;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FrontDoor.IntegrationTests.OAuth;

/// <summary>The introspection cache against the real loopback token endpoint, with FrontDoor's clock moved by hand.</summary>
public sealed class TokenIntrospectionCacheTests : IAsyncLifetime
{
    private TokenEndpoint _tokens = null!;

    public async Task InitializeAsync() => _tokens = await TokenEndpoint.StartAsync();

    public async Task DisposeAsync() => await _tokens.DisposeAsync();

    private static TokenCredentials Credentials(string user, string token)
    {
        var message = Encoding.ASCII.GetBytes($"user={user}\u0001auth=Bearer {token}\u0001\u0001");
        var start = Encoding.ASCII.GetByteCount($"user={user}\u0001auth=Bearer ");
        return new TokenCredentials("XOAUTH2", user, message, start..(start + token.Length));
    }

    [Fact]
    public async Task A_positive_answer_is_kept_until_the_tokens_exp_and_no_longer()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var introspection = new TokenIntrospection(new IntrospectionOptions(_tokens.IntrospectionUrl, null, null), clock);
        using var credentials = Credentials("bob", _tokens.Issue("bob", TimeSpan.FromMinutes(10)));

        Assert.Equal(TokenVerdict.Active, await introspection.CheckAsync(credentials, CancellationToken.None));
        Assert.Equal(TokenVerdict.Active, await introspection.CheckAsync(credentials, CancellationToken.None));
        Assert.Equal(1, _tokens.Introspections);

        // Past exp by FrontDoor's clock: asked again, and the answer's exp is now in the past.
        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(TokenVerdict.Refused, await introspection.CheckAsync(credentials, CancellationToken.None));
        Assert.Equal(2, _tokens.Introspections);
        Assert.Equal(0, introspection.Cached);
    }

    [Fact]
    public async Task The_cache_is_bounded()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var introspection = new TokenIntrospection(new IntrospectionOptions(_tokens.IntrospectionUrl, null, null) { MaxCached = 2 }, clock);
        for (var i = 0; i < 3; i++)
        {
            using var credentials = Credentials("bob", _tokens.Issue("bob"));
            Assert.Equal(TokenVerdict.Active, await introspection.CheckAsync(credentials, CancellationToken.None));
        }

        Assert.Equal(2, introspection.Cached);
    }

    [Fact]
    public async Task A_cached_token_claimed_for_another_user_is_asked_about_and_refused()
    {
        using var introspection = new TokenIntrospection(new IntrospectionOptions(_tokens.IntrospectionUrl, null, null), TimeProvider.System);
        var token = _tokens.Issue("bob");
        using (var bob = Credentials("bob", token))
        {
            Assert.Equal(TokenVerdict.Active, await introspection.CheckAsync(bob, CancellationToken.None));
        }

        using var alice = Credentials("alice", token);
        Assert.Equal(TokenVerdict.Refused, await introspection.CheckAsync(alice, CancellationToken.None));
        Assert.Equal(2, _tokens.Introspections);
    }
}
