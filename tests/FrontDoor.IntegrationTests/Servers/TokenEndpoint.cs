using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FrontDoor.IntegrationTests.Servers;

/// <summary>
/// A small OAuth 2.0 authorization server on loopback (ASP.NET Core minimal API): it issues opaque bearer
/// tokens for users and answers RFC 7662 introspection (<c>POST /introspect</c>, form field <c>token</c>)
/// with <c>{"active":true,"username":...,"exp":...}</c> for a live token and <c>{"active":false}</c>
/// otherwise. Real Dovecot's oauth2 passdb and FrontDoor's own introspection both ask it.
/// </summary>
public sealed class TokenEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string User, DateTimeOffset Expires)> _tokens = new();
    private int _introspections;

    private TokenEndpoint(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The introspection URL, <c>http://127.0.0.1:PORT/introspect</c>.</summary>
    public Uri IntrospectionUrl { get; private set; } = null!;

    /// <summary>How many introspection requests were answered so far.</summary>
    public int Introspections => Volatile.Read(ref _introspections);

    public static async Task<TokenEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var endpoint = new TokenEndpoint(app);
        app.MapPost("/introspect", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref endpoint._introspections);
            var form = await request.ReadFormAsync();
            return Results.Json(endpoint.Introspect(form["token"].ToString()));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        endpoint.IntrospectionUrl = new Uri(new Uri(address), "/introspect");
        return endpoint;
    }

    /// <summary>A fresh token for <paramref name="user"/>, valid for <paramref name="lifetime"/> (negative: already expired).</summary>
    public string Issue(string user, TimeSpan lifetime)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        _tokens[token] = (user, DateTimeOffset.UtcNow + lifetime);
        return token;
    }

    public string Issue(string user) => Issue(user, TimeSpan.FromHours(1));

    private Dictionary<string, object> Introspect(string token)
    {
        if (_tokens.TryGetValue(token, out var issued) && issued.Expires > DateTimeOffset.UtcNow)
        {
            return new() { ["active"] = true, ["username"] = issued.User, ["exp"] = issued.Expires.ToUnixTimeSeconds(), ["token_type"] = "Bearer" };
        }

        return new() { ["active"] = false };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
