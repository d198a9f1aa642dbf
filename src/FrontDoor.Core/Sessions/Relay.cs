using System.Threading.Tasks.Sources;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// The logged-in half of a session: two pumps, client to backend and backend to client, that frame every
/// message with <see cref="ImapFramer"/> and pass literal octets through untouched. Command lines go through
/// the command rewriters, response lines through the response rewriters (capability lists among them);
/// a line that passes is copied as it came (docs/ARCHITECTURE.md, "The relay").
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A relay runs once; RunAsync disposes its pumps when it ends.")]
internal sealed class Relay : RelayContext, IDeadlineEntry, ISessionControl, IValueTaskSource<bool>, IAsyncDisposable
{
    private readonly LiteralGate _gate = new();
    private readonly ClientPump _clientPump;
    private readonly BackendPump _backendPump;
    private volatile string? _kickReason;
    private volatile bool _idleExpired;
    private int _wheelSlot = -1;
    private CancellationTokenSource? _stop;

    // Which pump ended first (PumpEnded): the relay waits on this rather than on Task.WhenAny over two
    // Tasks, so the pumps are pooled ValueTasks and no WhenAny promise is held per session.
    private ManualResetValueTaskSourceCore<bool> _firstEnd;
    private int _ended;

    public Relay(
        ImapConnection client,
        SerializedWriter clientOutput,
        ImapConnection backend,
        SessionInfo info,
        RelayServices services,
        Microsoft.Extensions.Logging.ILogger logger,
        Diagnostics.ProtocolTrace? trace,
        Protocol.Compression.DeflateSettings? clientCompression,
        SessionSlots slots)
        : base(client, clientOutput, backend, info, services, logger, trace, clientCompression, slots)
    {
        _clientPump = new ClientPump(this, _gate);
        _backendPump = new BackendPump(this, _gate);
    }

    // Pooled: the state machine of a relay that ended is the next one's (bench/README.md, garbage per login).
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SessionEnd> RunAsync(CancellationToken shutdown)
    {
        // Shutdown stops the client pump first (no new commands); the backend pump runs on until what is in
        // flight has been answered, or the grace time is over (DrainAsync). Pending reads are stopped with
        // CancelPendingRead rather than a token: an idle session then holds no token registration per read.
        // One async method for the whole relay: each level of awaiting is a state machine held per session.
        using var stop = new CancellationTokenSource();
        _stop = stop;
        Info.Touch();
        Info.Attach(this);
        Services.Registry.Add(Info);

        // Stopping FrontDoor tells every session in the registry (SessionRegistry.StopTakingCommands) after
        // cancelling the token: a session that joined too late for that sees the token here.
        if (shutdown.IsCancellationRequested)
        {
            _clientPump.Stop();
        }

        try
        {
            using var watched = Services.Idle.Watch(this);
#pragma warning disable CA2012 // Each pump's ValueTask is awaited exactly once, on one of the branches below.
            var toBackend = _clientPump.RunAsync(stop.Token);
            var toClient = _backendPump.RunAsync(stop.Token);
            // Each pump's ValueTask is awaited once: the first to end here, the other after it was stopped.
            var clientPumpFirst = await new ValueTask<bool>(this, _firstEnd.Version).ConfigureAwait(false);
            var firstEnd = await (clientPumpFirst ? toBackend : toClient).ConfigureAwait(false);
            if (clientPumpFirst && shutdown.IsCancellationRequested && !_idleExpired)
            {
                // Draining watches the backend pump as a Task; it is then awaited as that Task.
                var backendPump = toClient.AsTask();
                toClient = new ValueTask<SessionEnd>(backendPump);
                await DrainAsync(backendPump).ConfigureAwait(false);
            }

            // One side is done: stop the other, then say goodbye if the client can still hear a whole line.
            Services.Idle.Forget(this);
            await stop.CancelAsync().ConfigureAwait(false);
            _clientPump.Stop();
            _backendPump.StopAndAbort();
            _gate.Disarm();
            var otherEnd = await (clientPumpFirst ? toClient : toBackend).ConfigureAwait(false);
#pragma warning restore CA2012
            var end = SessionEndOf(firstEnd, otherEnd, shutdown);
            var (firstBye, otherBye) = clientPumpFirst ? (_clientPump.Bye, _backendPump.Bye) : (_backendPump.Bye, _clientPump.Bye);
            await SayGoodbyeAsync(end, firstBye ?? otherBye).ConfigureAwait(false);
            _clientPump.LogCompressionTotals();
            return end;
        }
        finally
        {
            Services.Registry.Remove(Info);
            _clientPump.Dispose();
            _backendPump.Dispose();
        }
    }

    /// <summary>
    /// Gives back what the login took: the backend connection, the protocol trace, the session's slots. The
    /// relay is what the pre-auth phase hands to the session's top level, so that none of the pre-auth frames
    /// (reader, timers, the login's own state) stay alive for the hours a session may relay; an object of its
    /// own for that hand-off was garbage at every login (bench/README.md, garbage per login).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Backend.DisposeAsync().ConfigureAwait(false);
            Trace?.Dispose();
        }
        finally
        {
            Slots.Release();
        }
    }

    /// <summary>Called by each pump as it ends, on its thread; the first call wakes <see cref="RunAsync"/>.</summary>
    internal void PumpEnded(bool clientPump)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            _firstEnd.SetResult(clientPump);
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _firstEnd.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _firstEnd.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _firstEnd.OnCompleted(continuation, state, token, flags);

    /// <summary>How the session ended, from how the pump that ended first and the other one ended.</summary>
    private SessionEnd SessionEndOf(SessionEnd firstEnd, SessionEnd otherEnd, CancellationToken shutdown)
    {
        var end = firstEnd;
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
        if (end is (SessionEnd.BackendClosed or SessionEnd.ClientClosed) && _backendPump.SaidBye && _clientPump.LastCommandWasLogout)
        {
            end = SessionEnd.ClientLoggedOut;
        }

        return end;
    }

    /// <summary>
    /// Lets the backend finish the commands in flight: done when it has been quiet for a moment at a
    /// response boundary with no literal waiting, or when the grace time is over.
    /// </summary>
    private async Task DrainAsync(Task backendPump)
    {
        var quiet = TimeSpan.FromMilliseconds(300);
        var started = Services.Time.GetTimestamp();
        while (!backendPump.IsCompleted && Services.Time.GetElapsedTime(started) < Services.Limits.ShutdownGrace)
        {
            if (Services.Time.GetElapsedTime(_backendPump.LastActivity) >= quiet && _backendPump.AtMessageStart)
            {
                return;
            }

            await Task.WhenAny(backendPump, Task.Delay(TimeSpan.FromMilliseconds(50), Services.Time)).ConfigureAwait(false);
        }
    }

    /// <summary>Traffic either way (IDLE's keep-alives included) keeps the session; silence ends it (checked by <see cref="IdleSweeper"/>).</summary>
    TimeSpan IDeadlineEntry.Remaining() => Session.Backend.IdleTimeout - Services.Time.GetElapsedTime(Info.LastActivityTimestamp);

    int IDeadlineEntry.WheelSlot { get => _wheelSlot; set => _wheelSlot = value; }

    void IDeadlineEntry.Expire() => EndIdle();

    /// <summary>Called once by the sweeper, on its own thread: the pumps stop and the session says why.</summary>
    internal void EndIdle()
    {
        _idleExpired = true;
        StopBoth();
        CancelStop();
    }

    void ISessionControl.StopTakingCommands() => _clientPump.Stop();

    /// <summary>Called by the registry on any thread (an operator's kick, a drain, a re-route): the session ends with BYE and the reason.</summary>
    void ISessionControl.Kick(string reason)
    {
        _kickReason = reason;
        StopBoth();
        CancelStop();
    }

    private void CancelStop()
    {
        try
        {
            _stop?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The session ended while the call was on its way.
        }
    }

    private void StopBoth()
    {
        _clientPump.Stop();
        _backendPump.Stop();
    }

    private async Task SayGoodbyeAsync(SessionEnd end, string? pumpBye)
    {
        var text = end switch
        {
            SessionEnd.BackendClosed when !_backendPump.SaidBye => "* BYE [UNAVAILABLE] Connection to the mail server was lost\r\n",
            SessionEnd.Shutdown => "* BYE [UNAVAILABLE] FrontDoor is shutting down, please reconnect\r\n",
            SessionEnd.BackendTimeout => "* BYE [UNAVAILABLE] The mail server did not answer in time\r\n",
            SessionEnd.IdleTimeout => "* BYE Autologout; idle for too long\r\n",
            SessionEnd.Kicked => $"* BYE [UNAVAILABLE] {_kickReason}\r\n",
            SessionEnd.ClientProtocolError or SessionEnd.BackendProtocolError or SessionEnd.PluginFailed => $"* BYE {pumpBye ?? "Protocol error"}\r\n",
            _ => null,
        };

        // A BYE in the middle of a literal would be read as message data; then the close says it all.
        if (text is null || !_backendPump.AtMessageStart)
        {
            return;
        }

        try
        {
            // A guard against a client that does not read, not a protocol time: wall-clock on purpose.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var lease = await ClientOutput.AcquireAsync(cts.Token).ConfigureAwait(false);
            lease.Writer.WriteAscii(text);
            await lease.Writer.FlushSurelyAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client is gone or not reading: nothing more to tell it.
        }
    }
}
