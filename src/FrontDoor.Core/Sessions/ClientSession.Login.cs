using System.Runtime.CompilerServices;
using System.Buffers;
using System.Text;
using FrontDoor.Core.Backends;
using FrontDoor.Core.Diagnostics;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Sasl;

namespace FrontDoor.Core.Sessions;

internal sealed partial class ClientSession
{
    /// <summary>Logs in through the login flow and answers the client; on success the session goes on to relay.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<PreAuthOutcome?> LoginAsync(string tag, ClientCredentials credentials, CancellationToken shutdown)
    {
        var result = await _services.Login.RunAsync(credentials, _origin, _listener.Name, this, shutdown).ConfigureAwait(false);
        switch (result.Verdict)
        {
            case LoginVerdict.Refused:
                return await RefuseLoginAsync(tag, credentials.User, result.Reply!, shutdown).ConfigureAwait(false);
            case LoginVerdict.Answered:
                // NO [UNAVAILABLE] and NO [LIMIT] go on the operator's list of refused logins; a referral does not.
                _services.RecentFailures.Add(_origin.Client?.Address, credentials.User, result.Reply!);
                await WriteAsync($"{tag} {result.Reply}\r\n", shutdown).ConfigureAwait(false);
                return null;
            case LoginVerdict.Referred:
                await WriteAsync($"{tag} {result.Reply}\r\n", shutdown).ConfigureAwait(false);
                return null;
            case LoginVerdict.ClientLeft:
                return result.End;
        }

        try
        {
            return await StartRelayAsync(tag, credentials, result.Backend!, result.Login!.Value, result.Slots!, shutdown).ConfigureAwait(false);
        }
        catch
        {
            // Both are idempotent: the relay's owner may have given them back already.
            result.Slots!.Release();
            await result.Login!.Value.Connection!.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Builds the logged-in session: its context for hooks, its registry entry, its relay; then tells the client.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<PreAuthOutcome?> StartRelayAsync(string tag, ClientCredentials credentials, BackendTarget backend, BackendLoginResult login, SessionSlots slots, CancellationToken shutdown)
    {
        EndPreAuthDeadline();
        var session = new SessionContext(Id, credentials.User, backend, login.Capabilities, _origin.Client)
        {
            Endpoint = login.Endpoint,
            Listener = _listener.Name,
            ClientId = (IReadOnlyDictionary<string, string>?)_clientId ?? System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty,
        };
        // A filter that throws here ends the session (ClientSession.RunAsync); the caller gives back the
        // connection and the slots.
        var shown = ScratchCapabilities.Rent();
        shown.CopyFrom(login.Capabilities);
        _services.Capabilities.ApplyInPlace(shown, new CapabilityContext(CapabilityStage.PostAuth, backend, login.Capabilities)
        {
            Session = session,
            Listener = _listener.Name,
            ClientAddress = _origin.Client,
        });
        var trace = _services.Traces.Open(credentials.User, backend.Name, Id);
        var info = new SessionInfo(session, login.Endpoint, _services.Time);
        var loggedIn = new Relay(_client, Output, login.Connection!, info, _services.Relay, _logger, trace, _listener.Compression, slots);
        try
        {
            await WriteLoggedInAsync(tag, shown, login.Response, shutdown).ConfigureAwait(false);
            trace?.Login(tag, credentials.TraceText);
            trace?.Note($"{tag} OK [CAPABILITY {shown}] (backend {backend.Name} at {login.Endpoint})");
            ScratchCapabilities.Return(shown);
        }
        catch
        {
            await loggedIn.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return PreAuthOutcome.Relay(loggedIn);
    }

    /// <summary>
    /// The tagged OK with FrontDoor's own capability code and the backend's text (RFC 9051 section 7.1),
    /// written piece by piece into the client's pipe: no string of the whole line.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteLoggedInAsync(string tag, CapabilitySet shown, BackendResponse response, CancellationToken shutdown)
    {
        using var lease = await Output.AcquireAsync(shutdown).ConfigureAwait(false);
        var writer = lease.Writer;
        writer.WriteUtf8(tag);
        writer.Write(" OK [CAPABILITY "u8);
        shown.WriteTo(writer);
        writer.Write("] "u8);
        var text = response.TextWithoutCapabilityCode();
        if (text.IsEmpty)
        {
            writer.Write("Logged in"u8);
        }
        else
        {
            writer.WriteUtf8(text);
        }

        writer.Write("\r\n"u8);
        var flush = await writer.FlushSurelyAsync(shutdown).ConfigureAwait(false);
        if (flush.IsCompleted)
        {
            throw new IOException("the client closed the connection");
        }
    }

    private async Task<PreAuthOutcome?> RefuseLoginAsync(string tag, string? user, string statusAndText, CancellationToken shutdown)
    {
        _services.RecentFailures.Add(_origin.Client?.Address, user ?? "(no name decoded)", statusAndText);

        // Each failure from an address (or, counted in Redis, for a user) waits longer before it is answered: guessing gets slow.
        var delay = await _services.Failures.FailedAsync(_origin.Client?.Address, user, shutdown).ConfigureAwait(false);
        await Task.Delay(delay, _services.Time, shutdown).ConfigureAwait(false);
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
