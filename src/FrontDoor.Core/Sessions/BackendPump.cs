using System.Buffers;
using System.IO.Pipelines;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// The backend-to-client half of the relay: frames the backend's responses, runs the response rewriters
/// (capability lists among them), and streams literal octets to the client untouched. It resolves the
/// <see cref="LiteralGate"/> the client pump waits at: a continuation opens it, the command's completion
/// closes it.
/// </summary>
internal sealed class BackendPump : IDisposable, ISplicingPump
{
    private readonly RelayContext _link;
    private readonly LiteralGate _gate;
    private ImapFramer _backendFramer;
    private LineBuffer _backendLine;
    private RewriteBuffer _backendRewrite;
    private ResponseKind _responseKind;
    private string? _protocolError;
    private long _lastActivity;

    // Octets relayed to the client in the current read, added to the shared counters once per read (as the
    // client pump does): every session's pumps add to the same backend counters, from every socket thread.
    private long _unreported;

    public BackendPump(RelayContext link, LiteralGate gate)
    {
        _link = link;
        _gate = gate;
        _backendFramer = new ImapFramer(link.Services.Limits.MaxResponseLineLength);
        _lastActivity = _link.Services.Time.GetTimestamp();
    }

    /// <summary>True once the backend said BYE.</summary>
    public bool SaidBye { get; private set; }

    /// <summary>When the backend last sent anything (a <see cref="TimeProvider"/> timestamp).</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>True between responses: a BYE written now would not land inside a literal.</summary>
    public bool AtMessageStart => _backendFramer.AtMessageStart;

    /// <summary>Runs until the backend closes, sends what cannot be relayed, or <see cref="Stop"/>.</summary>
    public ValueTask<SessionEnd> RunAsync(CancellationToken cancellationToken) => PumpAsync(cancellationToken);

    /// <summary>The text of the BYE the pump asks for when it ended on an error; read once it has ended.</summary>
    public string? Bye => _protocolError;

    /// <summary>Ends the pending (and next) read; safe from any thread.</summary>
    public void Stop()
    {
        _link.Backend.CancelPendingRead();
    }

    /// <summary><see cref="Stop"/>, and the backend connection aborted (both ways shut) with the same call.</summary>
    public void StopAndAbort()
    {
        _link.Backend.CancelPendingReadAndAbort();
    }

    public void Dispose()
    {
        _backendLine.Dispose();
        _backendRewrite.Dispose();
    }

    // Pooled: a pump's state machine that ended is the next session's (bench/README.md, garbage per login).
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<SessionEnd> PumpAsync(CancellationToken cancellationToken)
    {
        var input = _link.Backend.Input;
        try
        {
            while (true)
            {
                if (!input.TryRead(out var result))
                {
                    // Idle: wait on the socket itself, so the session holds no pending pipe read.
                    await _link.Backend.WaitForReadableAsync().ConfigureAwait(false);
                    result = await input.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                }

                if (result.IsCanceled)
                {
                    return SessionEnd.Shutdown;
                }

                Touch();
                BackendStep step;

                // The client's output is taken only once there is something to relay, never while waiting.
                using (var lease = await _link.ClientOutput.AcquireAsync(cancellationToken).ConfigureAwait(false))
                {
                    step = input.Examine(result, (this, lease.Writer), Examine).Step;
                    if (!await lease.Writer.FlushWhileOpenAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return SessionEnd.ClientClosed;
                    }
                }

                switch (step)
                {
                    case BackendStep.Unrelayable:
                        _protocolError = "[UNAVAILABLE] The mail server sent a response FrontDoor cannot relay";
                        return SessionEnd.BackendProtocolError;
                    case BackendStep.PluginFailed:
                        return SessionEnd.PluginFailed;
                }

                if (result.IsCompleted)
                {
                    return SessionEnd.BackendClosed;
                }

                // A large literal's rest goes from socket to socket, with nothing of it buffered here.
                if (step == BackendStep.Relayed && OperatingSystem.IsLinux()
                    && LiteralSplicer.CanSplice(_backendFramer.LiteralRemaining, _link.Backend, _link.Client)
                    && !await LiteralSplicer.RunAsync(this, _link.Backend, _link.Client, _link.ClientOutput, cancellationToken).ConfigureAwait(false))
                {
                    return SessionEnd.ClientClosed;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return SessionEnd.Shutdown;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            return SessionEnd.BackendClosed;
        }
        finally
        {
            // The relay started this pump after attaching itself to the session (Relay.RunAsync).
            ((Relay)_link.Info.Control!).PumpEnded(clientPump: false);
        }
    }

    private enum BackendStep
    {
        Relayed,
        Unrelayable,
        PluginFailed,
    }

    // Every whole frame is relayed, so all that is left is examined; a failed line stays unconsumed.
    private static readonly BufferExaminer<(BackendPump Pump, PipeWriter Output), BackendStep> Examine =
        static ((BackendPump Pump, PipeWriter Output) state, in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out bool needMore) =>
        {
            needMore = true;
            var step = state.Pump.ProcessBackend(buffer, state.Output, out consumed);
            state.Pump.ReportReceived();
            return step;
        };

    /// <summary>Relays every whole frame in the buffer, up to a frame that ends the session.</summary>
    private BackendStep ProcessBackend(in ReadOnlySequence<byte> buffer, PipeWriter output, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            var position = reader.Position;
            var kind = _backendFramer.Read(ref reader, out var frame);
            switch (kind)
            {
                case FrameKind.NeedMore:
                    consumed = reader.Position;
                    return BackendStep.Relayed;
                case FrameKind.LiteralData:
                    output.Write(frame.Content);
                    Received(frame.Content.Length);
                    continue;
                case FrameKind.Line:
                    if (!OnBackendLine(frame, output))
                    {
                        // Nothing of the failed line is relayed; what came before it is.
                        consumed = position;
                        return BackendStep.PluginFailed;
                    }

                    continue;
                default:
                    consumed = reader.Position;
                    return BackendStep.Unrelayable;
            }
        }
    }

    /// <summary>One clock read serves the session's activity (idle timeout, registry) and the drain's quiet check.</summary>
    private void Touch()
    {
        var now = _link.Services.Time.GetTimestamp();
        _link.Info.Touch(now);
        Volatile.Write(ref _lastActivity, now);
    }

    long ISplicingPump.LiteralRemaining => _backendFramer.LiteralRemaining;

    void ISplicingPump.SplicedIn(long octets)
    {
        _backendFramer.SkipLiteralOctets(octets);
        Touch();
    }

    void ISplicingPump.Delivered(long octets, bool spliced)
    {
        Received(octets);
        ReportReceived();
        if (spliced)
        {
            _link.Counters.AddSplicedToClient(octets);
        }
    }

    private void Received(long bytes) => _unreported += bytes;

    private void ReportReceived()
    {
        if (_unreported != 0)
        {
            _link.Counters.AddToClient(_unreported);
            _link.Info.AddToClient(_unreported);
            _unreported = 0;
        }
    }

    /// <summary>Relays one response line through the response rewriters; false when a plugin failed on it.</summary>
    private bool OnBackendLine(in Frame frame, PipeWriter output)
    {
        var line = _backendLine.GetSpan(frame.Content);
        if (_link.Trace is not null)
        {
            _link.Trace.Server(line);
            if (frame.Literal is { Length: > 0 } literal)
            {
                _link.Trace.Literal(fromClient: false, literal.Length);
            }
        }

        ReadOnlySpan<byte> tag = default;
        if (frame.StartsMessage && !line.IsEmpty)
        {
            switch (line[0])
            {
                case (byte)'+':
                    _responseKind = ResponseKind.Continuation;
                    break;
                case (byte)'*':
                    _responseKind = ResponseKind.Untagged;
                    var untagged = ImapSyntax.NextWord(line[1..].TrimStart((byte)' '), out _);
                    if (ImapSyntax.EqualsIgnoreCase(untagged, "BYE"))
                    {
                        SaidBye = true;
                    }

                    break;
                default:
                    _responseKind = ResponseKind.Tagged;
                    tag = ImapSyntax.NextWord(line, out _);
                    _gate.OnTaggedCompletion(tag);
                    break;
            }
        }

        ResponseOutcome outcome;
        try
        {
            outcome = _link.Services.Responses.Inspect(new ResponseLine(line, _responseKind, frame.StartsMessage, tag, frame.Literal), _link.Session, ref _backendRewrite);
        }
        catch (HookFailureException ex)
        {
            RelayLog.PluginFailed(_link.Logger, ex.Plugin, ex.Hook, ex.Message);
            _protocolError = "[UNAVAILABLE] FrontDoor failed to process the mail server's response; please reconnect";
            return false;
        }

        // Swallow the one continuation that answers a literal FrontDoor synchronized (docs/PROTOCOL.md, rule 2).
        if (frame.StartsMessage && _responseKind == ResponseKind.Continuation && !_gate.OnContinuation())
        {
            return true;
        }

        if (outcome.Drop)
        {
            return true;
        }

        if (outcome.Rewritten)
        {
            output.Write(outcome.Line);
            output.Write("\r\n"u8);
            Received(outcome.Line.Length + 2);
        }
        else
        {
            output.Write(frame.Raw);
            Received(frame.Raw.Length);
        }

        return true;
    }
}
