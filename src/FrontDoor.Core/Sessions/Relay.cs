using System.Buffers;
using System.IO.Pipelines;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// The logged-in half of a session: two pumps, client to backend and backend to client, that frame every
/// message with <see cref="ImapFramer"/> and pass literal octets through untouched. Command lines go through
/// the command rewriters, response lines through the response rewriters (capability lists among them);
/// a line that passes is copied as it came (docs/ARCHITECTURE.md, "The relay").
/// </summary>
internal sealed partial class Relay : IDeadlineEntry
{
    private readonly ImapConnection _client;
    private readonly SerializedWriter _clientOutput;
    private readonly ImapConnection _backend;
    private readonly SessionContext _session;
    private readonly SessionInfo _info;
    private readonly SessionRegistry _registry;
    private readonly CommandRewriterChain _rewriters;
    private readonly ResponseRewriterChain _responses;
    private readonly BackendCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LiteralGate _gate = new();
    private readonly Diagnostics.ProtocolTrace? _trace;

    private readonly ClientCommandState _command = new();
    private ImapFramer _clientFramer;
    private ImapFramer _backendFramer;
    private LineBuffer _clientLine;
    private LineBuffer _backendLine;
    private RewriteBuffer _clientRewrite;
    private RewriteBuffer _backendRewrite;
    private long _literalToTrace;
    private ResponseKind _responseKind;
    private volatile string? _kickReason;
    private bool _backendSaidBye;
    private string? _pendingReply;
    private string? _protocolError;
    private Task<GateOutcome>? _gateWait;
    private readonly long _maxLiteral;
    private readonly TimeSpan _graceTime;
    private long _lastBackendActivity;
    private volatile bool _idleExpired;
    private readonly IdleSweeper _idle;
    private int _wheelSlot = -1;
    private CancellationTokenSource? _stop;

    public Relay(
        ImapConnection client,
        SerializedWriter clientOutput,
        ImapConnection backend,
        SessionInfo session,
        RelayServices services,
        ILogger logger,
        Diagnostics.ProtocolTrace? trace)
    {
        _trace = trace;
        _client = client;
        _clientOutput = clientOutput;
        _backend = backend;
        _info = session;
        _session = session.Context;
        _registry = services.Registry;
        _rewriters = services.Rewriters;
        _responses = services.Responses;
        _counters = services.Counters.For(_session.Backend.Name);
        _time = services.Time;
        _logger = logger;
        _graceTime = services.Limits.ShutdownGrace;
        _idle = services.Idle;
        _maxLiteral = _session.Backend.MaxLiteralSize ?? AppendLimit(_session.BackendCapabilities) ?? long.MaxValue;
        _clientFramer = new ImapFramer(services.Limits.MaxCommandLineLength);
        _backendFramer = new ImapFramer(services.Limits.MaxResponseLineLength);
    }

    public async Task<SessionEnd> RunAsync(CancellationToken shutdown)
    {
        // Shutdown stops the client pump first (no new commands); the backend pump runs on until what is in
        // flight has been answered, or the grace time is over (DrainAsync). Pending reads are stopped with
        // CancelPendingRead rather than a token: an idle session then holds no token registration per read.
        using var stop = new CancellationTokenSource();
        _stop = stop;
        _info.Touch();
        _lastBackendActivity = _time.GetTimestamp();
        _info.OnKick(Kick);
        _registry.Add(_info);
        try
        {
            return await RelayAsync(stop, shutdown).ConfigureAwait(false);
        }
        finally
        {
            _registry.Remove(_info);
        }
    }

    private async Task<SessionEnd> RelayAsync(CancellationTokenSource stop, CancellationToken shutdown)
    {
        using var watched = _idle.Watch(this);
        using var onShutdown = shutdown.UnsafeRegister(static relay => ((Relay)relay!).StopReading(client: true, backend: false), this);
        var toBackend = PumpClientToBackendAsync(stop.Token);
        var toClient = PumpBackendToClientAsync(stop.Token);
        var first = await Task.WhenAny(toBackend, toClient).ConfigureAwait(false);
        var end = await first.ConfigureAwait(false);
        if (first == toBackend && shutdown.IsCancellationRequested && !_idleExpired)
        {
            await DrainAsync(toClient).ConfigureAwait(false);
        }

        // One side is done: stop the other, then say goodbye if the client can still hear a whole line.
        _idle.Forget(this);
        await stop.CancelAsync().ConfigureAwait(false);
        StopReading(client: true, backend: true);
        _backend.Abort();
        _gate.Disarm();
        var other = first == toBackend ? toClient : toBackend;
        var otherEnd = await other.ConfigureAwait(false);
        if (_idleExpired)
        {
            end = SessionEnd.IdleTimeout;
        }
        else if (_kickReason is not null && end is not (SessionEnd.ClientProtocolError or SessionEnd.BackendProtocolError or SessionEnd.PluginFailed))
        {
            end = SessionEnd.Kicked;
        }
        else if (shutdown.IsCancellationRequested && end != SessionEnd.ClientClosed)
        {
            end = SessionEnd.Shutdown;
        }
        else if (end == SessionEnd.Shutdown)
        {
            end = otherEnd;
        }

        // The backend's BYE answered the client's own LOGOUT: an orderly end, whoever closed first.
        if (end is (SessionEnd.BackendClosed or SessionEnd.ClientClosed) && _backendSaidBye && ImapSyntax.EqualsIgnoreCase(_command.Name, "LOGOUT"))
        {
            end = SessionEnd.ClientLoggedOut;
        }

        await SayGoodbyeAsync(end).ConfigureAwait(false);
        _clientLine.Dispose();
        _backendLine.Dispose();
        _clientRewrite.Dispose();
        _backendRewrite.Dispose();
        return end;
    }

    /// <summary>
    /// Lets the backend finish the commands in flight: done when it has been quiet for a moment at a
    /// response boundary with no literal waiting, or when the grace time is over.
    /// </summary>
    private async Task DrainAsync(Task backendPump)
    {
        var quiet = TimeSpan.FromMilliseconds(300);
        var started = _time.GetTimestamp();
        while (!backendPump.IsCompleted && _time.GetElapsedTime(started) < _graceTime)
        {
            if (_time.GetElapsedTime(Volatile.Read(ref _lastBackendActivity)) >= quiet && _backendFramer.AtMessageStart)
            {
                return;
            }

            await Task.WhenAny(backendPump, Task.Delay(TimeSpan.FromMilliseconds(50), _time)).ConfigureAwait(false);
        }
    }

    /// <summary>RFC 7889: the backend's APPENDLIMIT=N, the default for the literal size cap.</summary>
    private static long? AppendLimit(CapabilitySet capabilities)
    {
        foreach (var token in capabilities)
        {
            if (token.StartsWith("APPENDLIMIT=", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(token.AsSpan("APPENDLIMIT=".Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit))
            {
                return limit;
            }
        }

        return null;
    }

    /// <summary>Traffic either way (IDLE's keep-alives included) keeps the session; silence ends it (checked by <see cref="IdleSweeper"/>).</summary>
    TimeSpan IDeadlineEntry.Remaining() => _session.Backend.IdleTimeout - _time.GetElapsedTime(_info.LastActivityTimestamp);

    int IDeadlineEntry.WheelSlot { get => _wheelSlot; set => _wheelSlot = value; }

    void IDeadlineEntry.Expire() => EndIdle();

    /// <summary>Called once by the sweeper, on its own thread: the pumps stop and the session says why.</summary>
    internal void EndIdle()
    {
        _idleExpired = true;
        StopReading(client: true, backend: true);
        try
        {
            _stop?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The session ended while the sweep was on its way.
        }
    }

    /// <summary>Called by the registry on any thread (an operator's kick, a drain, a re-route): the session ends with BYE and the reason.</summary>
    private void Kick(string reason)
    {
        _kickReason = reason;
        StopReading(client: true, backend: true);
        try
        {
            _stop?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The session is ending anyway.
        }
    }

    /// <summary>Ends the pumps' pending (and next) reads: they see a cancelled result and stop.</summary>
    private void StopReading(bool client, bool backend)
    {
        try
        {
            if (client)
            {
                _client.Input.CancelPendingRead();
            }

            if (backend)
            {
                _backend.Input.CancelPendingRead();
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
        {
            // The connection is already closed: nothing is reading.
        }
    }

    private void Touch() => _info.Touch();

    private async Task SayGoodbyeAsync(SessionEnd end)
    {
        var text = end switch
        {
            SessionEnd.BackendClosed when !_backendSaidBye => "* BYE [UNAVAILABLE] Connection to the mail server was lost\r\n",
            SessionEnd.Shutdown => "* BYE [UNAVAILABLE] FrontDoor is shutting down, please reconnect\r\n",
            SessionEnd.BackendTimeout => "* BYE [UNAVAILABLE] The mail server did not answer in time\r\n",
            SessionEnd.IdleTimeout => "* BYE Autologout; idle for too long\r\n",
            SessionEnd.Kicked => $"* BYE [UNAVAILABLE] {_kickReason}\r\n",
            SessionEnd.ClientProtocolError or SessionEnd.BackendProtocolError or SessionEnd.PluginFailed => $"* BYE {_protocolError ?? "Protocol error"}\r\n",
            _ => null,
        };

        // A BYE in the middle of a literal would be read as message data; then the close says it all.
        if (text is null || !_backendFramer.AtMessageStart)
        {
            return;
        }

        try
        {
            // A guard against a client that does not read, not a protocol time: wall-clock on purpose.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var lease = await _clientOutput.AcquireAsync(cts.Token).ConfigureAwait(false);
            lease.Writer.WriteAscii(text);
            await lease.Writer.FlushSurelyAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client is gone or not reading: nothing more to tell it.
        }
    }
}
