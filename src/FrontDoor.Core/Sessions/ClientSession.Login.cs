using System.Text;
using FrontDoor.Core.Backends;
using FrontDoor.Core.Diagnostics;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Sasl;

namespace FrontDoor.Core.Sessions;

internal sealed partial class ClientSession
{
    /// <summary>Routes the user and logs in on the backend; on success the session goes on to relay.</summary>
    private async Task<PreAuthOutcome?> LoginAsync(string tag, ClientCredentials credentials, CancellationToken shutdown)
    {
        var route = await _services.Routers.RouteAsync(new RouteRequest(credentials.User, _origin.Client, _listener.Name), shutdown).ConfigureAwait(false);
        switch (route.Kind)
        {
            case RouteKind.Referral:
                // RFC 2221: the client may log in again at the given server; not a failed login.
                LogReferred(credentials.User, route.Reason!);
                _services.Metrics.LoginCompleted(null, LoginResults.Referral);
                await WriteAsync($"{tag} NO [REFERRAL {route.Reason}] Your mailbox is on another server\r\n", shutdown).ConfigureAwait(false);
                return null;
            case RouteKind.Reject:
                LogNoRoute(credentials.User, route.Reason ?? "rejected");
                _services.Metrics.LoginCompleted(null, LoginResults.NoRoute);
                return await RefuseLoginAsync(tag, credentials.User, $"NO [AUTHENTICATIONFAILED] {route.Reason ?? "Authentication failed."}", shutdown).ConfigureAwait(false);
            case RouteKind.NotMine:
                LogNoRoute(credentials.User, "no router claimed the user");
                _services.Metrics.LoginCompleted(null, LoginResults.NoRoute);
                return await RefuseLoginAsync(tag, credentials.User, "NO [AUTHENTICATIONFAILED] Authentication failed.", shutdown).ConfigureAwait(false);
            case RouteKind.Unavailable:
                // The router cannot tell where the mailbox is now (its directory is down): not the user's fault.
                LogRouteUnavailable(credentials.User, route.Reason ?? "unavailable");
                _services.Metrics.LoginCompleted(null, LoginResults.Unavailable);
                await WriteAsync($"{tag} NO [UNAVAILABLE] The mail server is not available now, try again later\r\n", shutdown).ConfigureAwait(false);
                return null;
        }

        var backend = _services.Resolver.Resolve(route.Target!, credentials.User, out var failure);
        if (backend is null)
        {
            LogRouteUnavailable(credentials.User, failure == ResolveFailure.Drained
                ? $"{route.Target} is drained"
                : $"no backend or pool is named {route.Target}");
            _services.Metrics.LoginCompleted(null, LoginResults.Unavailable);
            _services.RecentFailures.Add(_origin.Client?.Address, credentials.User, failure == ResolveFailure.Drained ? $"NO [UNAVAILABLE] {route.Target} is drained" : "NO [UNAVAILABLE] no such backend");
            await WriteAsync($"{tag} NO [UNAVAILABLE] The mail server is not available now, try again later\r\n", shutdown).ConfigureAwait(false);
            return null;
        }

        var slots = await TakeSlotsAsync(tag, credentials.User, backend, shutdown).ConfigureAwait(false);
        if (slots is null)
        {
            return null;
        }

        PreAuthOutcome? outcome = null;
        try
        {
            outcome = await ProxyAsync(tag, credentials, backend, slots, shutdown).ConfigureAwait(false);
            return outcome;
        }
        finally
        {
            // A session that goes on to relay gives its slots back when it ends.
            if (outcome?.LoggedIn is null)
            {
                slots.Release();
            }
        }
    }

    /// <summary>A place under the per-user and per-backend caps; null when refused (the client has its answer).</summary>
    private async Task<SessionSlots?> TakeSlotsAsync(string tag, string user, BackendTarget backend, CancellationToken shutdown)
    {
        var key = user.ToLowerInvariant();
        if (!_services.Users.TryEnter(key, _services.Limits.MaxConnectionsPerUser))
        {
            LogUserFull(user, _services.Limits.MaxConnectionsPerUser);
            _services.Metrics.LoginCompleted(backend.Name, LoginResults.Limit);
            await WriteAsync($"{tag} NO [LIMIT] Too many sessions for this user\r\n", shutdown).ConfigureAwait(false);
            return null;
        }

        if (!_services.Sessions.TryEnter(backend))
        {
            _services.Users.Leave(key);
            LogBackendFull(user, backend.Name, backend.MaxSessions);
            _services.Metrics.LoginCompleted(backend.Name, LoginResults.Limit);
            await WriteAsync($"{tag} NO [LIMIT] Too many sessions on this mail server, try again later\r\n", shutdown).ConfigureAwait(false);
            return null;
        }

        return new SessionSlots(_services.Users, key, _services.Sessions, backend);
    }

    private async Task<PreAuthOutcome?> ProxyAsync(string tag, ClientCredentials credentials, BackendTarget backend, SessionSlots slots, CancellationToken shutdown)
    {
        BackendLoginResult login;
        try
        {
            login = await _services.Connector.LoginAsync(backend, credentials, _origin, RelayChallengeAsync, shutdown).ConfigureAwait(false);
        }
        catch (BackendUnavailableException ex)
        {
            LogBackendUnavailable(credentials.User, backend.Name, ex.Message);
            _services.Metrics.LoginCompleted(backend.Name, LoginResults.Unavailable);
            _services.RecentFailures.Add(_origin.Client?.Address, credentials.User, $"NO [UNAVAILABLE] {backend.Name} did not complete the login");
            await WriteAsync($"{tag} NO [UNAVAILABLE] The mail server is not available now, try again later\r\n", shutdown).ConfigureAwait(false);
            return null;
        }

        if (login.Connection is null)
        {
            if (ClientLeft is { } end)
            {
                // The client left during the backend's challenge (a token login's error exchange).
                return end;
            }

            LogLoginRefused(credentials.User, backend.Name);
            _services.Metrics.LoginCompleted(backend.Name, LoginResults.Refused);
            return await RefuseLoginAsync(tag, credentials.User, login.Response.StatusAndText, shutdown).ConfigureAwait(false);
        }

        LogLoggedIn(credentials.User, backend.Name, login.Endpoint);
        _preAuthDeadline?.Dispose();
        _preAuthDeadline = null;
        _services.Metrics.LoginCompleted(backend.Name, LoginResults.Ok);
        _services.Failures.Succeeded(_origin.Client?.Address);
        var session = new SessionContext(Id, credentials.User, backend, login.Capabilities, _origin.Client)
        {
            Endpoint = login.Endpoint,
            Listener = _listener.Name,
            ClientId = _clientId ?? new Dictionary<string, string>(),
        };
        var shown = _services.Capabilities.Apply(login.Capabilities, new CapabilityContext(CapabilityStage.PostAuth, backend, login.Capabilities)
        {
            Session = session,
            Listener = _listener.Name,
            ClientAddress = _origin.Client,
        });
        var trace = _services.Traces.Open(credentials.User, backend.Name, Id);
        var info = new SessionInfo(session, login.Endpoint, _services.Time);
        var relay = new Relay(new RelayContext(_client, _output, login.Connection, info, _services.Relay, _logger, trace, _listener.Compression));
        var loggedIn = new LoggedInSession(relay, login.Connection, trace, slots);
        try
        {
            var text = login.Response.TextWithoutCapabilityCode();
            await WriteAsync($"{tag} OK [CAPABILITY {shown}] {(text.Length == 0 ? "Logged in" : text)}\r\n", shutdown).ConfigureAwait(false);
            trace?.Login(tag, credentials.TraceText);
            trace?.Note($"{tag} OK [CAPABILITY {shown}] (backend {backend.Name} at {login.Endpoint})");
        }
        catch
        {
            await loggedIn.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return PreAuthOutcome.Relay(loggedIn);
    }

    private async Task<PreAuthOutcome?> RefuseLoginAsync(string tag, string user, string statusAndText, CancellationToken shutdown)
    {
        _services.RecentFailures.Add(_origin.Client?.Address, user, statusAndText);
        // Each failure from an address waits longer before it is answered: guessing gets slow.
        await Task.Delay(_services.Failures.Failed(_origin.Client?.Address), _services.Time, shutdown).ConfigureAwait(false);
        _failedLogins++;
        if (_failedLogins >= _services.Limits.MaxFailedLogins)
        {
            await WriteAsync($"{tag} {statusAndText}\r\n* BYE Too many failed logins\r\n", shutdown).ConfigureAwait(false);
            return SessionEnd.ClientProtocolError;
        }

        await WriteAsync($"{tag} {statusAndText}\r\n", shutdown).ConfigureAwait(false);
        return null;
    }
}
