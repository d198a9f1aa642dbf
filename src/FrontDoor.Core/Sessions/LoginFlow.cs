using System.Runtime.CompilerServices;
using FrontDoor.Core.Backends;
using FrontDoor.Core.Diagnostics;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol.Sasl;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

/// <summary>How a login ended, as far as the client is concerned.</summary>
internal enum LoginVerdict
{
    /// <summary>The backend accepted it: <see cref="LoginResult.Login"/> holds the connection, <see cref="LoginResult.Slots"/> the places taken.</summary>
    LoggedIn,

    /// <summary>A failed login (bad credentials, no route): answered after the growing delay, and counted.</summary>
    Refused,

    /// <summary>Not the user's fault (a cap, the mail server unavailable): answered at once, not counted toward the delay.</summary>
    Answered,

    /// <summary>RFC 2221: the mailbox is on another server; answered at once, and no failure at all.</summary>
    Referred,

    /// <summary>The client left during the backend's challenge; <see cref="LoginResult.End"/> says how.</summary>
    ClientLeft,
}

/// <summary>What a login came to; <see cref="Reply"/> is what follows the tag in the answer.</summary>
internal readonly record struct LoginResult(LoginVerdict Verdict, string? Reply, BackendTarget? Backend = null, BackendLoginResult? Login = null, SessionSlots? Slots = null, SessionEnd End = default)
{
    public static LoginResult Refused(string reply) => new(LoginVerdict.Refused, reply);

    public static LoginResult Answered(string reply) => new(LoginVerdict.Answered, reply);
}

/// <summary>
/// A login from credentials to a logged-in backend connection: route, resolve the backend or pool, take a
/// place under the per-user and per-backend caps, connect and log in, with one metric and one log line
/// for whichever way it ends. It writes nothing to the client: the session answers from the result (and
/// relays a backend's SASL challenges through the <see cref="ILoginClient"/> it passes).
/// </summary>
internal sealed partial class LoginFlow
{
    private const string UnavailableReply = "NO [UNAVAILABLE] The mail server is not available now, try again later";

    private static readonly ClientChallenge NoChallenge = static (_, _) => Task.FromResult<byte[]?>(null);

    private readonly SessionServices _services;
    private readonly ILogger _logger;

    public LoginFlow(SessionServices services)
    {
        _services = services;
        _logger = services.SessionLogger;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<LoginResult> RunAsync(ClientCredentials credentials, ClientOrigin origin, string listener, ILoginClient client, CancellationToken cancellationToken)
    {
        var user = credentials.User;
        var route = await _services.Routers.RouteAsync(new RouteRequest(user, origin.Client, listener), cancellationToken).ConfigureAwait(false);
        switch (route.Kind)
        {
            case RouteKind.Referral:
                // RFC 2221: the client may log in again at the given server; not a failed login.
                LogReferred(user, route.Reason!);
                _services.Metrics.LoginCompleted(null, LoginResults.Referral);
                return new LoginResult(LoginVerdict.Referred, $"NO [REFERRAL {route.Reason}] Your mailbox is on another server");
            case RouteKind.Reject:
                LogNoRoute(user, route.Reason ?? "rejected");
                _services.Metrics.LoginCompleted(null, LoginResults.NoRoute);
                return LoginResult.Refused($"NO [AUTHENTICATIONFAILED] {route.Reason ?? "Authentication failed."}");
            case RouteKind.NotMine:
                LogNoRoute(user, "no router claimed the user");
                _services.Metrics.LoginCompleted(null, LoginResults.NoRoute);
                return LoginResult.Refused("NO [AUTHENTICATIONFAILED] Authentication failed.");
            case RouteKind.Unavailable:
                // The router cannot tell where the mailbox is now (its directory is down): not the user's fault.
                LogRouteUnavailable(user, route.Reason ?? "unavailable");
                _services.Metrics.LoginCompleted(null, LoginResults.Unavailable);
                return LoginResult.Answered(UnavailableReply);
        }

        var backend = _services.Resolver.Resolve(route.Target!, user, out var failure);
        if (backend is null)
        {
            LogRouteUnavailable(user, failure == ResolveFailure.Drained ? $"{route.Target} is drained" : $"no backend or pool is named {route.Target}");
            _services.Metrics.LoginCompleted(null, LoginResults.Unavailable);
            return LoginResult.Answered(UnavailableReply);
        }

        if (TakeSlots(user, backend, out var full) is not { } slots)
        {
            return LoginResult.Answered(full!);
        }

        var loggedIn = false;
        try
        {
            var result = await ConnectAsync(credentials, origin, backend, slots, client, cancellationToken).ConfigureAwait(false);
            loggedIn = result.Verdict == LoginVerdict.LoggedIn;
            return result;
        }
        finally
        {
            // A session that goes on to relay gives its places back when it ends.
            if (!loggedIn)
            {
                slots.Release();
            }
        }
    }

    /// <summary>A place under the per-user and per-backend caps; null when either is full (logged, counted, and <paramref name="refusal"/> says which).</summary>
    private SessionSlots? TakeSlots(string user, BackendTarget backend, out string? refusal)
    {
        var key = user.ToLowerInvariant();
        refusal = null;
        if (!_services.Users.TryEnter(key, _services.Limits.MaxConnectionsPerUser))
        {
            LogUserFull(user, _services.Limits.MaxConnectionsPerUser);
            _services.Metrics.LoginCompleted(backend.Name, LoginResults.Limit);
            refusal = "NO [LIMIT] Too many sessions for this user";
            return null;
        }

        if (!_services.Sessions.TryEnter(backend))
        {
            _services.Users.Leave(key);
            LogBackendFull(user, backend.Name, backend.MaxSessions);
            _services.Metrics.LoginCompleted(backend.Name, LoginResults.Limit);
            refusal = "NO [LIMIT] Too many sessions on this mail server, try again later";
            return null;
        }

        return new SessionSlots(_services.Users, key, _services.Sessions, backend);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<LoginResult> ConnectAsync(
        ClientCredentials credentials, ClientOrigin origin, BackendTarget backend, SessionSlots slots, ILoginClient client, CancellationToken cancellationToken)
    {
        BackendLoginResult login;
        try
        {
            // Only a token login can meet a challenge: a password login makes no delegate for it.
            var challenge = credentials is TokenCredentials ? client.RelayChallengeAsync : NoChallenge;
            login = await _services.Connector.LoginAsync(backend, credentials, origin, challenge, cancellationToken).ConfigureAwait(false);
        }
        catch (BackendUnavailableException ex)
        {
            LogBackendUnavailable(credentials.User, backend.Name, ex.Message);
            _services.Metrics.LoginCompleted(backend.Name, LoginResults.Unavailable);
            return LoginResult.Answered(UnavailableReply);
        }

        if (login.Connection is null)
        {
            if (client.ClientLeft is { } end)
            {
                // The client left during the backend's challenge (a token login's error exchange).
                return new LoginResult(LoginVerdict.ClientLeft, null, End: end);
            }

            LogLoginRefused(credentials.User, backend.Name);
            _services.Metrics.LoginCompleted(backend.Name, LoginResults.Refused);
            return LoginResult.Refused(login.Response.StatusAndText);
        }

        LogLoggedIn(credentials.User, backend.Name, login.Endpoint);
        _services.Metrics.LoginCompleted(backend.Name, LoginResults.Ok);
        _services.Failures.Succeeded(origin.Client?.Address, credentials.User);
        return new LoginResult(LoginVerdict.LoggedIn, null, backend, login, slots);
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "User {User} logged in on backend {Backend} at {Endpoint}")]
    private partial void LogLoggedIn(string user, string backend, BackendEndpoint endpoint);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Login of {User} refused by backend {Backend}")]
    private partial void LogLoginRefused(string user, string backend);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "No route for {User}: {Reason}")]
    private partial void LogNoRoute(string user, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Backend {Backend} unavailable for {User}: {Detail}")]
    private partial void LogBackendUnavailable(string user, string backend, string detail);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "User {User} referred to {Referral}")]
    private partial void LogReferred(string user, string referral);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Backend {Backend} is at its cap of {MaxSessions} sessions; {User} refused")]
    private partial void LogBackendFull(string user, string backend, int maxSessions);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "User {User} is at the cap of {Max} sessions")]
    private partial void LogUserFull(string user, int max);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "No backend for {User} now: {Reason}")]
    private partial void LogRouteUnavailable(string user, string reason);
}
