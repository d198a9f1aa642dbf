using FrontDoor.Core.Backends;
using FrontDoor.Core.Diagnostics;

using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Sasl;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// AUTHENTICATE before login: the session does the I/O, the mechanisms in Protocol/Sasl decode. A backend's
/// own challenge during the login (an OAuth error, RFC 7628 section 3.2.2) is relayed to the client here too.
/// </summary>
internal sealed partial class ClientSession
{
    private bool _saslLineTooLong;

    private async Task<PreAuthOutcome?> AuthenticateAsync(PreAuthCommand command, CancellationToken shutdown)
    {
        var args = command.Arguments;
        if (args.Count is < 1 or > 2 || !args.All(a => a.Kind == ArgumentKind.Atom))
        {
            await WriteAsync($"{command.Tag} BAD AUTHENTICATE expects a mechanism\r\n", shutdown).ConfigureAwait(false);
            return null;
        }

        var mechanism = SaslMechanisms.Find(args[0].Text);
        if (mechanism is null || !_listener.Options.SaslMechanisms.Contains(mechanism.Name))
        {
            await WriteAsync($"{command.Tag} NO Unsupported authentication mechanism\r\n", shutdown).ConfigureAwait(false);
            return null;
        }

        var (credentials, refused) = await ReadSaslAsync(command.Tag, mechanism, args.Count == 2 ? args[1].Value : null, shutdown).ConfigureAwait(false);
        if (credentials is null)
        {
            return ClientLeft is { } end ? end : refused;
        }

        using (credentials)
        {
            if (credentials is TokenCredentials token && _listener.Introspection is { } introspection)
            {
                var verdict = await introspection.CheckAsync(token, shutdown).ConfigureAwait(false);
                if (verdict != TokenVerdict.Active)
                {
                    return await RefuseTokenAsync(command.Tag, token, verdict, shutdown).ConfigureAwait(false);
                }
            }

            return await LoginAsync(command.Tag, credentials, shutdown).ConfigureAwait(false);
        }
    }

    /// <summary>A token the listener's own introspection did not accept: answered without asking any backend.</summary>
    private async Task<PreAuthOutcome?> RefuseTokenAsync(string tag, TokenCredentials token, TokenVerdict verdict, CancellationToken shutdown)
    {
        if (verdict == TokenVerdict.Unavailable)
        {
            LogIntrospectionUnavailable(token.User);
            _services.Metrics.LoginCompleted(null, LoginResults.Unavailable);
            await WriteAsync($"{tag} NO [UNAVAILABLE] The token cannot be checked now, try again later\r\n", shutdown).ConfigureAwait(false);
            return null;
        }

        LogTokenRefused(token.User, token.Mechanism);
        _services.Metrics.LoginCompleted(null, LoginResults.Refused);
        if (await RelayChallengeAsync(OAuthError.Challenge(token.Mechanism), shutdown).ConfigureAwait(false) is null)
        {
            return ClientLeft ?? SessionEnd.ClientClosed;
        }

        return await RefuseLoginAsync(tag, token.User, "NO [AUTHENTICATIONFAILED] Authentication failed.", shutdown).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the SASL exchange (RFC 9051 section 6.2.2; the initial response of RFC 4959 when given) through the
    /// mechanism's decoder. No credentials when the client has been answered (BAD, NO, cancelled) or is gone;
    /// then an outcome if the answer ends the session (too many failed logins).
    /// </summary>
    private async Task<(ClientCredentials? Credentials, PreAuthOutcome? Outcome)> ReadSaslAsync(string tag, ISaslDecoder mechanism, byte[]? initial, CancellationToken shutdown)
    {
        var responses = new List<byte[]>();
        try
        {
            var line = initial;
            var challenge = mechanism.FirstChallenge;
            while (true)
            {
                line ??= await ChallengeAsync(tag, challenge, shutdown).ConfigureAwait(false);
                if (line is null)
                {
                    return default;
                }

                var valid = SaslBase64.TryDecode(line, out var decoded);

                // The base64 holds the secret as much as the decoded bytes do.
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(line);
                if (!valid)
                {
                    await WriteAsync($"{tag} BAD Invalid base64 in authentication response\r\n", shutdown).ConfigureAwait(false);
                    return default;
                }

                responses.Add(decoded);
                var result = mechanism.Decode(responses);
                switch (result.Status)
                {
                    case SaslStatus.Ok:
                        // The credentials own the bytes they kept; the rest is wiped below.
                        responses.Clear();
                        return (result.Credentials, null);
                    case SaslStatus.NeedMore:
                        challenge = result.Text;
                        line = null;
                        continue;
                    case SaslStatus.No:
                        LogSaslRefused(mechanism.Name, result.Text);
                        return (null, await RefuseLoginAsync(tag, user: null, $"NO {result.Text}", shutdown).ConfigureAwait(false));
                    default:
                        await WriteAsync($"{tag} BAD {result.Text}\r\n", shutdown).ConfigureAwait(false);
                        return default;
                }
            }
        }
        finally
        {
            foreach (var response in responses)
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(response);
            }
        }
    }

    /// <summary>Sends "+ challenge" and reads the client's line; null (answered) when cancelled with "*".</summary>
    private async Task<byte[]?> ChallengeAsync(string tag, string challenge, CancellationToken shutdown)
    {
        var line = await RelayChallengeAsync(challenge, shutdown).ConfigureAwait(false);
        if (line is [(byte)'*'])
        {
            await WriteAsync($"{tag} BAD Authentication cancelled\r\n", shutdown).ConfigureAwait(false);
            return null;
        }

        return line;
    }

    /// <summary>Sends "+ challenge" (a backend's as well as FrontDoor's own) and reads the client's line as it came; null when the client left.</summary>
    public async Task<byte[]?> RelayChallengeAsync(string challenge, CancellationToken shutdown)
    {
        await WriteAsync($"+ {challenge}\r\n", shutdown).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        timeout.CancelAfter(_services.Limits.PreAuthTimeout);
        var line = await Reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        if (line is null)
        {
            _clientGone = true;
            if (Reader.LineTooLong)
            {
                // The framer cannot find the next command after a line it gave up on: end, as for a command line.
                _saslLineTooLong = true;
                await WriteAsync("* BYE [TOOBIG] Authentication response too long\r\n", shutdown).ConfigureAwait(false);
            }
        }

        return line;
    }

    /// <summary>Set once the client has gone (or must go) in the middle of a SASL exchange: how the session ends.</summary>
    public SessionEnd? ClientLeft => _clientGone ? (_saslLineTooLong ? SessionEnd.ClientProtocolError : SessionEnd.ClientClosed) : null;

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "{Mechanism} token of {User} refused by introspection; no backend asked")]
    private partial void LogTokenRefused(string user, string mechanism);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning, Message = "Token introspection did not answer for {User}")]
    private partial void LogIntrospectionUnavailable(string user);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Information, Message = "AUTHENTICATE {Mechanism} refused before routing: {Reason}")]
    private partial void LogSaslRefused(string mechanism, string reason);
}
