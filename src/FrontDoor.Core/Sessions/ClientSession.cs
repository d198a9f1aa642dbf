using System.Runtime.CompilerServices;
using FrontDoor.Core.Backends;
using FrontDoor.Core.Diagnostics;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Sasl;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// One client, from accept to close: FrontDoor answers everything before login itself, then hands the
/// connection to a <see cref="Relay"/> with the routed backend. The Task of <see cref="RunAsync"/> is the
/// session's lifetime.
/// </summary>
internal sealed partial class ClientSession : IDeadlineEntry, ILoginClient
{
    private static readonly Func<ILogger, string, IDisposable?> SessionScope = LoggerMessage.DefineScope<string>("session {SessionId}");

    private readonly ImapConnection _client;
    private readonly ListenerContext _listener;
    private readonly SessionServices _services;
    private readonly ILogger _logger;
    private readonly ClientOrigin _origin;
    // Made when the client's first byte arrives: a greeted connection that stays silent holds no pipes.
    private SerializedWriter? _output;
    // Dropped once logged in: its last command's arguments (the password among them) must not stay in memory.
    private PreAuthReader? _reader;
    private bool _preAuthOver;
    private int _failedLogins;

    // The client's RFC 2971 ID fields, for hooks that set policy per client; bounded as the RFC bounds them.
    private Dictionary<string, string>? _clientId;

    // Held only until login: a logged-in session must not keep the pre-auth timer and its registration.
    private PooledDeadline? _preAuthDeadline;
    private bool _clientGone;

    // A session that never tries to log in and ends by the client's close or LOGOUT is a probe (a load
    // balancer's health check, every second per node): its end is logged at Debug, not among real sessions.
    private bool _loginAttempted;

    // Until the first byte, the pre-auth timeout is a place in PreAuthDeadlines, not a timer of its own.
    private long _greetedAt;
    private int _wheelSlot = -1;
    private volatile bool _silentTooLong;
    private bool _greetingFailed;

    // Set by Start: the run nobody awaits, and who is told of its end.
    private ValueTask _run;
    private ISessionCloser? _closer;

    private ClientSession(ImapConnection client, ListenerContext listener, SessionServices services, System.Net.IPEndPoint? clientAddress, string id)
    {
        _client = client;
        _listener = listener;
        _services = services;
        _logger = services.SessionLogger;
        Id = id;
        _origin = new ClientOrigin(clientAddress, client, Id);
    }

    /// <summary>
    /// The session of a greeted connection (<see cref="GreetAsync"/>), made when the connection is not
    /// parked, or when a parked one is handed back (Hosting's ListenerService): the same id and greeting time,
    /// on the connection made again from its descriptor. A connection parked at once never has a session object.
    /// </summary>
    /// <param name="clientAddress">The client's real address: the PROXY header's when a trusted balancer sent one.</param>
    /// <param name="silentTooLong">It was handed back because the pre-auth timeout was over: the session only says BYE.</param>
    public static ClientSession Resume(ImapConnection client, ListenerContext listener, SessionServices services, System.Net.IPEndPoint? clientAddress, Greeted greeted, bool silentTooLong) =>
        new(client, listener, services, clientAddress, greeted.SessionId) { _greetedAt = greeted.At, _greetingFailed = greeted.Failed, _silentTooLong = silentTooLong };

    /// <summary>A new session id: 12 hex digits (<see cref="SessionIdSource"/>).</summary>
    public static string NewId() => SessionIdSource.Next();

    /// <summary>On a STARTTLS listener before TLS, without allowPlaintextAuth: no password may be sent yet.</summary>
    private bool PlaintextAuthRefused => IsPlaintextAuthRefused(_client, _listener);

    private static bool IsPlaintextAuthRefused(ImapConnection client, ListenerContext listener) =>
        listener.OffersStartTls && !client.IsTls && !listener.Options.AllowPlaintextAuth;

    public string Id { get; }

    /// <summary>The client's connection; its listener closes it once the session has ended.</summary>
    public ImapConnection Connection => _client;

    /// <summary>The listener the client connected to.</summary>
    public ListenerContext Listener => _listener;

    /// <summary>The client's real address: the PROXY header's when a trusted balancer sent one.</summary>
    public System.Net.IPEndPoint? ClientAddress => _origin.Client;

    private PreAuthReader Reader => _preAuthOver
        ? throw new InvalidOperationException("the pre-auth phase is over")
        : _reader ??= PreAuthReader.Rent(_client.Input, Output, _services.Limits);

    private SerializedWriter Output => _output ??= new SerializedWriter(_client.Output);

    /// <summary>
    /// Says hello (RFC 9051 section 7.1.1), straight to the socket, before there is a session object: a
    /// connection that is then parked until its first byte needs none. The listener then parks it, or makes
    /// its session (<see cref="Resume"/>), waits for the first byte (<see cref="WaitForFirstByteAsync"/>) and
    /// runs it (<see cref="RunAsync"/>).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<Greeted> GreetAsync(ImapConnection client, ListenerContext listener, SessionServices services, System.Net.IPEndPoint? clientAddress, string id, CancellationToken shutdown)
    {
        var logger = services.SessionLogger;
        // The scope is only for the Debug line below: no scope to make when that line is not written. Pushed
        // (SessionLogScopes keeps it with the others), since the session's own scope is for its whole flow.
        using (var scope = logger.IsEnabled(LogLevel.Debug) ? SessionScope(logger, id) : null)
        {
            LogConnected(logger, listener.Name, clientAddress);
        }

        var at = services.Time.GetTimestamp();
        var offered = Capabilities(ScratchCapabilities.Rent(), CapabilityStage.Greeting, client, listener, services, clientAddress);
        var greeting = listener.Greeting(offered);
        ScratchCapabilities.Return(offered);
        try
        {
            await client.SendAsync(greeting, shutdown).ConfigureAwait(false);
            return new Greeted(id, at, Failed: false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            // The session ends at once: closed, or shutting down.
            return new Greeted(id, at, Failed: true);
        }
    }

    /// <summary>
    /// A zero-byte receive: done when the client sends or closes, when FrontDoor stops, or when the pre-auth
    /// timeout is over. <see cref="PreAuthDeadlines"/> stops the wait in both of the last cases (the stop
    /// expires the whole wheel), so a silent connection holds no registration on the shutdown token. Not an
    /// async method: while a greeted connection stays silent, its listener's await is the only state
    /// machine it holds.
    /// </summary>
    public ValueTask<int> WaitForFirstByteAsync(CancellationToken shutdown)
    {
        if (_greetingFailed)
        {
            return ValueTask.FromResult(0);
        }

        _services.PreAuthDeadlines.Add(this);

        // A stop that expired the wheel before this connection was in it is seen here.
        return shutdown.IsCancellationRequested ? ValueTask.FromResult(0) : _client.WaitForDataAsync(CancellationToken.None);
    }

    TimeSpan IDeadlineEntry.Remaining() => PreAuthLeft();

    int IDeadlineEntry.WheelSlot { get => _wheelSlot; set => _wheelSlot = value; }

    void IDeadlineEntry.Expire()
    {
        _silentTooLong = true;
        _client.StopWaiting();
    }

    private TimeSpan PreAuthLeft() => _services.Limits.PreAuthTimeout - _services.Time.GetElapsedTime(_greetedAt);

    /// <summary>Runs the greeted session to its end.</summary>
    // Pooled: the state machine of a session that ended is the next session's (bench/README.md, garbage per login).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask RunAsync(CancellationToken shutdown)
    {
        // Every line of the session's flow carries its id, without a scope pushed per session.
        SessionLogScopes.Enter(_origin);
        _services.PreAuthDeadlines.Remove(this);
        SessionEnd end;
        try
        {
            var outcome = await RunPreAuthAsync(shutdown).ConfigureAwait(false);
            end = outcome.End;
            _preAuthOver = true;
            _reader?.Return();
            _reader = null;
            if (outcome.LoggedIn is { } loggedIn)
            {
                await using (loggedIn.ConfigureAwait(false))
                {
                    end = await loggedIn.RunAsync(shutdown).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            end = SessionEnd.Shutdown;
            await TryWriteAsync("* BYE [UNAVAILABLE] FrontDoor is shutting down, please reconnect\r\n").ConfigureAwait(false);
        }
        catch (IOException)
        {
            end = SessionEnd.ClientClosed;
        }
        catch (HookFailureException ex)
        {
            // A capability filter failed while FrontDoor built its own list (greeting, CAPABILITY, login).
            LogPluginFailed(ex.Plugin, ex.Hook, ex.Message);
            end = SessionEnd.PluginFailed;
            await TryWriteAsync("* BYE [UNAVAILABLE] FrontDoor failed to process the command; please reconnect\r\n").ConfigureAwait(false);
        }

        // The listener that accepted the connection closes it, after it has given back the connection's
        // places under the per-address and per-listener caps: a client that sees the close and reconnects
        // at once is not refused for the connection it just left.
        LogSessionEnded(IsProbe(end) ? LogLevel.Debug : LogLevel.Information, end);
    }

    /// <summary>
    /// Runs the session with nobody awaiting it (a parked connection handed back, whose wake-up has no caller
    /// to return to), then tells <paramref name="closer"/>. An async method in its place would be a state
    /// machine box per session (185 B), live for the session; this is the run's own pooled box told to call
    /// back with the session as its state (<see cref="ValueTaskContinuation"/>; a delegate, 64 B, where that
    /// cannot be), and <see cref="RunAsync"/>'s box goes back to its pool, as it does when awaited
    /// (bench/README.md, garbage per login).
    /// </summary>
    public void Start(ISessionCloser closer, CancellationToken shutdown)
    {
        _closer = closer;
        try
        {
#pragma warning disable CA2012 // Kept to be consumed exactly once, by Ended: the await this method stands in for.
            _run = RunAsync(shutdown);
#pragma warning restore CA2012
        }
#pragma warning disable CA1031 // Whatever it is, the closer is told, as an awaited run's would be caught.
        catch (Exception ex)
#pragma warning restore CA1031
        {
#pragma warning disable CA2012 // As above.
            _run = ValueTask.FromException(ex);
#pragma warning restore CA2012
        }

        var awaiter = _run.ConfigureAwait(false).GetAwaiter();
        if (awaiter.IsCompleted)
        {
            Ended();
            return;
        }

        // The pooled run's box takes the session as its continuation's state: no delegate per session.
        if (!ValueTaskContinuation.TryOnCompleted(_run, static session => ((ClientSession)session!).Ended(), this))
        {
            awaiter.UnsafeOnCompleted(Ended);
        }
    }

    private void Ended()
    {
        Exception? failure = null;
        try
        {
            // Observed once, as an await would: this gives a pooled run's box back.
            _run.ConfigureAwait(false).GetAwaiter().GetResult();
        }
#pragma warning disable CA1031 // Told to the closer, which logs it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure = ex;
        }

        _run = default;
        _closer!.SessionEnded(this, failure);
    }

    private bool IsProbe(SessionEnd end) => !_loginAttempted && end is (SessionEnd.ClientClosed or SessionEnd.ClientLoggedOut);

    /// <summary>Everything before login; it ends with the session, or with a logged-in backend to relay to.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<PreAuthOutcome> RunPreAuthAsync(CancellationToken shutdown)
    {
        if (_greetingFailed)
        {
            shutdown.ThrowIfCancellationRequested();
            return SessionEnd.ClientClosed;
        }

        // Before the timeout's flag: stopping FrontDoor expires the pre-auth wheel too.
        shutdown.ThrowIfCancellationRequested();
        if (_silentTooLong)
        {
            await TryWriteAsync("* BYE Autologout: no login in time\r\n").ConfigureAwait(false);
            return SessionEnd.PreAuthTimeout;
        }

        var left = PreAuthLeft();
        var preAuth = PooledDeadline.Start(left > TimeSpan.Zero ? left : TimeSpan.Zero, shutdown);
        _preAuthDeadline = preAuth;
        try
        {
            return await ReadCommandsAsync(preAuth.Token, shutdown).ConfigureAwait(false);
        }
        finally
        {
            EndPreAuthDeadline();
        }
    }

    /// <summary>Ends the pre-auth timeout (at login, or when the phase ends otherwise); its token is not used after.</summary>
    private void EndPreAuthDeadline()
    {
        _preAuthDeadline?.Dispose();
        _preAuthDeadline = null;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<PreAuthOutcome> ReadCommandsAsync(CancellationToken preAuth, CancellationToken shutdown)
    {
        while (true)
        {
            PreAuthRead read;
            try
            {
                read = await Reader.ReadCommandAsync(preAuth).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
            {
                await TryWriteAsync("* BYE Autologout: no login in time\r\n").ConfigureAwait(false);
                return SessionEnd.PreAuthTimeout;
            }

            switch (read.Kind)
            {
                case PreAuthReadKind.Closed:
                    return SessionEnd.ClientClosed;
                case PreAuthReadKind.Bye:
                    await TryWriteAsync($"* BYE {read.Text}\r\n").ConfigureAwait(false);
                    return SessionEnd.ClientProtocolError;
                case PreAuthReadKind.Bad:
                    await WriteAsync($"{read.Tag} BAD {read.Text}\r\n", shutdown).ConfigureAwait(false);
                    continue;
            }

            if (await ExecuteAsync(read.Command!, shutdown).ConfigureAwait(false) is { } outcome)
            {
                return outcome;
            }
        }
    }

    /// <summary>Runs one pre-auth command; a result ends the pre-auth phase (LOGOUT, or a login the backend accepted).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<PreAuthOutcome?> ExecuteAsync(PreAuthCommand command, CancellationToken shutdown)
    {
        var tag = command.Tag;
        switch (command.Name)
        {
            case "CAPABILITY":
                await WriteAsync($"* CAPABILITY {CapabilityText(CapabilityStage.PreAuth)}\r\n{tag} OK CAPABILITY completed\r\n", shutdown).ConfigureAwait(false);
                return null;
            case "NOOP":
                await WriteAsync($"{tag} OK NOOP completed\r\n", shutdown).ConfigureAwait(false);
                return null;
            case "LOGOUT":
                await WriteAsync($"* BYE FrontDoor logging out\r\n{tag} OK LOGOUT completed\r\n", shutdown).ConfigureAwait(false);
                return SessionEnd.ClientLoggedOut;
            case "ID":
                return await IdAsync(command, shutdown).ConfigureAwait(false);
            case "STARTTLS":
                return await StartTlsAsync(tag, shutdown).ConfigureAwait(false);
            case "LOGIN" or "AUTHENTICATE" when PlaintextAuthRefused:
                // RFC 9051 section 6.2.3: LOGINDISABLED is advertised; the password must not cross in clear.
                await WriteAsync($"{tag} NO [PRIVACYREQUIRED] Use STARTTLS first\r\n", shutdown).ConfigureAwait(false);
                return null;
            case "LOGIN":
                _loginAttempted = true;
                return await LoginCommandAsync(command, shutdown).ConfigureAwait(false);
            case "AUTHENTICATE":
                _loginAttempted = true;
                return await AuthenticateAsync(command, shutdown).ConfigureAwait(false);
            case "SELECT" or "EXAMINE" or "CREATE" or "DELETE" or "RENAME" or "SUBSCRIBE" or "UNSUBSCRIBE" or "LIST"
                or "LSUB" or "STATUS" or "APPEND" or "IDLE" or "ENABLE" or "NAMESPACE" or "GETQUOTA" or "GETQUOTAROOT"
                or "COMPRESS": // RFC 4978 section 3: only in the authenticated state
                await WriteAsync($"{tag} BAD Log in first: {command.Name} is not valid before login\r\n", shutdown).ConfigureAwait(false);
                return null;
            default:
                await WriteAsync($"{tag} BAD Unknown command\r\n", shutdown).ConfigureAwait(false);
                return null;
        }
    }

    private async Task<PreAuthOutcome?> IdAsync(PreAuthCommand command, CancellationToken shutdown)
    {
        // RFC 2971: ID NIL, or a parenthesized list of field/value pairs.
        var args = command.Arguments;
        var valid = (args.Count == 1 && args[0].Kind == ArgumentKind.Nil)
            || (args.Count >= 2 && args[0].Kind == ArgumentKind.ListStart && args[^1].Kind == ArgumentKind.ListEnd && (args.Count - 2) % 2 == 0);
        if (!valid)
        {
            await WriteAsync($"{command.Tag} BAD ID expects NIL or a list of field value pairs\r\n", shutdown).ConfigureAwait(false);
            return null;
        }

        _clientId = ReadIdFields(args);
        await WriteAsync($"* ID (\"name\" \"FrontDoor\")\r\n{command.Tag} OK ID completed\r\n", shutdown).ConfigureAwait(false);
        return null;
    }

    /// <summary>RFC 2971 section 3.3: at most 30 pairs, fields of at most 30 octets, values of at most 1024.</summary>
    private static Dictionary<string, string>? ReadIdFields(IReadOnlyList<ImapArgument> args)
    {
        if (args.Count < 2)
        {
            return null;
        }

        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i + 1 < args.Count - 1 && fields.Count < 30; i += 2)
        {
            var (field, value) = (args[i], args[i + 1]);
            if (field.IsString && value.IsString && field.Value.Length <= 30 && value.Value.Length <= 1024)
            {
                fields[field.Text.ToLowerInvariant()] = value.Text;
            }
        }

        return fields;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<PreAuthOutcome?> LoginCommandAsync(PreAuthCommand command, CancellationToken shutdown)
    {
        var args = command.Arguments;
        if (args.Count != 2 || !args[0].IsString || !args[1].IsString)
        {
            await WriteAsync($"{command.Tag} BAD LOGIN expects a user name and a password\r\n", shutdown).ConfigureAwait(false);
            return null;
        }

        using var credentials = new LoginCredentials(args[0].Text, args[0].Value, args[1].Value);
        return await LoginAsync(command.Tag, credentials, shutdown).ConfigureAwait(false);
    }

    private ValueTask WriteAsync(string text, CancellationToken cancellationToken) => WriteCoreAsync(text, cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteCoreAsync(string text, CancellationToken cancellationToken)
    {
        using var lease = await Output.AcquireAsync(cancellationToken).ConfigureAwait(false);
        lease.Writer.WriteUtf8(text);
        var flush = await lease.Writer.FlushSurelyAsync(cancellationToken).ConfigureAwait(false);
        if (flush.IsCompleted)
        {
            throw new IOException("the client closed the connection");
        }
    }

    /// <summary>A last word that may not arrive: the client may be gone already.</summary>
    private async Task TryWriteAsync(string text)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), _services.Time);
            if (_output is null)
            {
                // Silent since its greeting: no pipes to make for a last word (and once the pre-auth
                // timeout has stopped reads, the socket no longer takes a new stream).
                await _client.SendAsync(System.Text.Encoding.UTF8.GetBytes(text), timeout.Token).ConfigureAwait(false);
                return;
            }

            await WriteCoreAsync(text, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // Nothing more to tell a client that does not listen.
        }
    }

    /// <summary>The list offered before login, as text.</summary>
    private string CapabilityText(CapabilityStage stage)
    {
        var offered = Capabilities(ScratchCapabilities.Rent(), stage, _client, _listener, _services, _origin.Client);
        var text = offered.ToString();
        ScratchCapabilities.Return(offered);
        return text;
    }

    /// <summary>Makes <paramref name="offered"/> the list offered before login, filtered for <paramref name="stage"/>.</summary>
    private static CapabilitySet Capabilities(CapabilitySet offered, CapabilityStage stage, ImapConnection client, ListenerContext listener, SessionServices services, System.Net.IPEndPoint? clientAddress)
    {
        offered.CopyFrom(listener.PreAuthCapabilities);
        if (listener.OffersStartTls && !client.IsTls)
        {
            offered.Add("STARTTLS");
            if (IsPlaintextAuthRefused(client, listener))
            {
                offered.Add("LOGINDISABLED");
                offered.RemovePrefix("AUTH=");
                offered.Remove("SASL-IR");
            }
        }

        return services.Capabilities.ApplyInPlace(
            offered,
            stage,
            (stage, listener.Name, clientAddress),
            static state => new CapabilityContext(state.stage, null, null) { Listener = state.Name, ClientAddress = state.clientAddress });
    }

    /// <summary>RFC 9051 section 6.2.1. Whatever the client pipelined after STARTTLS is dropped with the plain-text pipe.</summary>
    private async Task<PreAuthOutcome?> StartTlsAsync(string tag, CancellationToken shutdown)
    {
        if (!_listener.OffersStartTls || _listener.TlsOptions is null || _client.IsTls)
        {
            var why = _client.IsTls ? "TLS is already active" : "STARTTLS is not offered on this listener";
            await WriteAsync($"{tag} BAD {why}\r\n", shutdown).ConfigureAwait(false);
            return null;
        }

        await WriteAsync($"{tag} OK Begin TLS negotiation now\r\n", shutdown).ConfigureAwait(false);
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        handshake.CancelAfter(_services.Limits.PreAuthTimeout);
        try
        {
            await _client.StartTlsAsServerAsync(_listener.TlsOptions, handshake.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException or OperationCanceledException && !shutdown.IsCancellationRequested)
        {
            LogTlsFailed(ex);
            return SessionEnd.ClientProtocolError;
        }

        _output = new SerializedWriter(_client.Output);
        _reader = PreAuthReader.Rent(_client.Input, _output, _services.Limits);
        return null;
    }
}
