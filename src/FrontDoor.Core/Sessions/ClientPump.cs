using System.Buffers;
using System.IO.Pipelines;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// The client-to-backend half of the relay: frames the client's commands, runs the command rewriters, and
/// streams literal octets to the backend untouched. Besides the read-only <see cref="RelayContext"/>, it shares
/// one thing with <see cref="BackendPump"/>: the <see cref="LiteralGate"/>, where it waits for the backend's
/// verdict on a literal it announced.
/// </summary>
internal sealed partial class ClientPump : IDisposable
{
    private readonly RelayContext _link;
    private readonly LiteralGate _gate;
    private readonly long _maxLiteral;
    private ClientCommandState _command;
    private ImapFramer _clientFramer;
    private LineBuffer _clientLine;
    private RewriteBuffer _clientRewrite;
    private long _literalToTrace;

    // Octets sent on to the backend in the current read, added to the shared counters once per read rather
    // than once per line: every session's pumps add to the same backend counters, from every socket thread.
    private long _unreported;
    private string? _pendingReply;
    private string? _protocolError;
    private Task<GateOutcome>? _gateWait;

    public ClientPump(RelayContext link, LiteralGate gate)
    {
        _link = link;
        _gate = gate;
        ClientCompression = link.ClientCompression;
        _maxLiteral = _link.Session.Backend.MaxLiteralSize ?? AppendLimit(_link.Session.BackendCapabilities) ?? long.MaxValue;
        _clientFramer = new ImapFramer(link.Services.Limits.MaxCommandLineLength);
    }

    /// <summary>True when the last command the client sent was LOGOUT: a close after it is an orderly end.</summary>
    public bool LastCommandWasLogout => ImapSyntax.EqualsIgnoreCase(_command.Name, "LOGOUT");

    /// <summary>Runs until the client closes, a command ends the session, or <see cref="Stop"/>.</summary>
    public ValueTask<SessionEnd> RunAsync(CancellationToken cancellationToken) => PumpAsync(cancellationToken);

    /// <summary>The text of the BYE the pump asks for when it ended on an error; read once it has ended.</summary>
    public string? Bye => _protocolError;

    /// <summary>Ends the pending (and next) read; safe from any thread.</summary>
    public void Stop()
    {
        _clientStopped = true;
        _link.Client.CancelPendingRead();
    }

    public void Dispose()
    {
        _clientLine.Dispose();
        _clientRewrite.Dispose();
    }

    /// <summary>RFC 7889: the backend's APPENDLIMIT=N, the default for the literal size cap.</summary>
    private static long? AppendLimit(CapabilitySet capabilities)
    {
        // By index: a foreach over the set boxed its enumerator per login.
        for (var i = 0; i < capabilities.Count; i++)
        {
            var token = capabilities[i];
            if (token.StartsWith("APPENDLIMIT=", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(token.AsSpan("APPENDLIMIT=".Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit))
            {
                return limit;
            }
        }

        return null;
    }

    private enum ClientStep
    {
        NeedMore,
        AwaitGate,
        Reply,
        ProtocolError,
        PluginFailed,
        Compress,
    }

    // Pooled: a pump's state machine that ended is the next session's (bench/README.md, garbage per login).
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<SessionEnd> PumpAsync(CancellationToken cancellationToken)
    {
        var output = _link.Backend.Output;
        try
        {
            while (true)
            {
                // Read each time: COMPRESS puts new pipes under the client connection.
                // On NeedMore everything was examined; otherwise the rest is processed after the step.
                // Awaited here, not in a helper: a nested async method that waits would allocate its box per read.
                var input = _link.Client.Input;
                if (!input.TryRead(out var result))
                {
                    // Idle: wait on the socket itself, so the session holds no pending pipe read.
                    await _link.Client.WaitForReadableAsync().ConfigureAwait(false);
                    result = await input.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                }

                var read = input.Examine(result, this, Examine);
                if (read.IsCanceled)
                {
                    return SessionEnd.Shutdown;
                }

                var step = read.Step;
                if (!await output.FlushWhileOpenAsync(cancellationToken).ConfigureAwait(false))
                {
                    return SessionEnd.BackendClosed;
                }

                switch (step)
                {
                    case ClientStep.AwaitGate:
                        if (!await AwaitGateAsync(cancellationToken).ConfigureAwait(false))
                        {
                            return SessionEnd.BackendTimeout;
                        }

                        break;
                    case ClientStep.Reply:
                        await ReplyToClientAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case ClientStep.ProtocolError:
                        return SessionEnd.ClientProtocolError;
                    case ClientStep.PluginFailed:
                        return SessionEnd.PluginFailed;
                    case ClientStep.Compress:
                        if (await StartClientCompressionAsync(cancellationToken).ConfigureAwait(false) is { } ended)
                        {
                            return ended;
                        }

                        break;
                }

                if (step == ClientStep.NeedMore && read.IsCompleted)
                {
                    return SessionEnd.ClientClosed;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return SessionEnd.Shutdown;
        }
        catch (Protocol.Compression.InvalidCompressedDataException ex)
        {
            return OnClientStreamNotInflating(ex);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            return SessionEnd.ClientClosed;
        }
        finally
        {
            // The relay started this pump after attaching itself to the session (Relay.RunAsync).
            ((Relay)_link.Info.Control!).PumpEnded(clientPump: true);
        }
    }

    private static readonly BufferExaminer<ClientPump, ClientStep> Examine =
        static (ClientPump pump, in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out bool needMore) =>
        {
            pump._link.Info.Touch();
            var step = pump.ProcessClient(buffer, pump._link.Backend.Output, out consumed);
            pump.ReportSent();
            needMore = step == ClientStep.NeedMore;
            return step;
        };

    /// <summary>Frames what the client sent and writes what goes on to the backend, up to the next wait.</summary>
    private ClientStep ProcessClient(in ReadOnlySequence<byte> buffer, PipeWriter output, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            var kind = _clientFramer.Read(ref reader, out var frame);
            switch (kind)
            {
                case FrameKind.NeedMore:
                    consumed = reader.Position;
                    return ClientStep.NeedMore;
                case FrameKind.LiteralData:
                    if (_command.Discarding)
                    {
                        _link.Counters.Drained(frame.Content.Length);
                    }
                    else
                    {
                        TraceLiteralStart();
                        output.Write(frame.Content);
                        Sent(frame.Content.Length);
                    }

                    continue;
                case FrameKind.Line:
                    var step = OnClientLine(frame, output);
                    if (step == ClientStep.NeedMore)
                    {
                        continue;
                    }

                    consumed = reader.Position;
                    return step;
                case FrameKind.LineTooLong:
                    _protocolError = "[TOOBIG] Command line too long";
                    consumed = reader.Position;
                    return ClientStep.ProtocolError;
                default:
                    _protocolError = "[TOOBIG] Literal size is impossible";
                    consumed = reader.Position;
                    return ClientStep.ProtocolError;
            }
        }
    }

    private ClientStep OnClientLine(in Frame frame, PipeWriter output)
    {
        var line = _clientLine.GetSpan(frame.Content);
        if (frame.StartsMessage)
        {
            var tag = ImapSyntax.NextWord(line, out var rest);
            _command.Start(tag, ImapSyntax.NextWord(rest, out _));
            if (Protocol.Compression.CompressCommand.Is(_command.Name))
            {
                return OnCompress(frame, line);
            }
        }

        var literal = frame.Literal;
        _link.Trace?.Client(line, frame.StartsMessage);

        // The literal's octets are traced when they go, after the backend's "+" the client waited for.
        _literalToTrace = literal is { Length: > 0 } traced ? traced.Length : 0;

        if (_command.Discarding)
        {
            // The backend refused this command: its remaining lines and literals never reach it. A further
            // synchronizing literal will not be sent, since the client has its tagged answer.
            if (literal is { NonSynchronizing: false })
            {
                _clientFramer.CancelLiteral();
            }

            return ClientStep.NeedMore;
        }

        if (literal is { } announced && announced.Length > _maxLiteral)
        {
            // Refused before a byte of it reaches the backend; octets already on their way are drained.
            return RefuseCommand(frame, announced.NonSynchronizing
                ? "BAD [TOOBIG] Literal larger than this mail server accepts"
                : "NO [TOOBIG] Literal larger than this mail server accepts");
        }

        if (_link.Services.Rewriters.IsEmpty)
        {
            return WriteCommandLine(frame.Raw, line, literal, CommandAction.Forward, rewritten: false, output);
        }

        CommandOutcome outcome;
        try
        {
            outcome = _link.Services.Rewriters.Inspect(new CommandLine(line, frame.StartsMessage, _command.Tag, _command.Name, literal), _link.Session, ref _clientRewrite);
        }
        catch (HookFailureException ex)
        {
            return PluginFailed(ex);
        }

        if (outcome.Action == CommandAction.Reply)
        {
            return RefuseCommand(frame, outcome.Reply);
        }

        if (outcome.Rewritten && frame.StartsMessage)
        {
            _command.Start(_command.Tag, outcome.Name);
        }

        return WriteCommandLine(frame.Raw, outcome.Line, outcome.Literal, outcome.Action, outcome.Rewritten, output);
    }

    /// <summary>Writes the line on to the backend: as it came (<paramref name="raw"/>), rewritten, or with its literal made synchronizing.</summary>
    private ClientStep WriteCommandLine(in ReadOnlySequence<byte> raw, ReadOnlySpan<byte> line, LiteralHeader? literal, CommandAction action, bool rewritten, PipeWriter output)
    {
        if (literal is { NonSynchronizing: true } converted && action == CommandAction.SynchronizeLiteral)
        {
            // "{N+}" becomes "{N}": the '+' is the byte before the closing brace.
            _command.LiteralConverted = true;
            var waiting = _gate.Arm(_command.Tag, relayContinuation: false);
            _gateWait = waiting;
            output.Write(line[..^2]);
            output.Write("}\r\n"u8);
            Sent(line.Length + 1);
            _link.Counters.LiteralSynchronized();
            _link.Info.LiteralConverted();
            RelayLog.LiteralSynchronized(_link.Logger, converted.Length);
            return ClientStep.AwaitGate;
        }

        if (rewritten)
        {
            output.Write(line);
            output.Write("\r\n"u8);
            Sent(line.Length + 2);
        }
        else
        {
            output.Write(raw);
            Sent(raw.Length);
        }

        if (literal is { NonSynchronizing: false })
        {
            // The client waits for the backend's '+' itself; this pump must learn whether it came (octets
            // follow) or the command was refused (the next octets are a new command). Armed before the
            // flush, so the answer cannot outrun the gate.
            _command.LiteralConverted = false;
            _gateWait = _gate.Arm(_command.Tag, relayContinuation: true);
            return ClientStep.AwaitGate;
        }

        return ClientStep.NeedMore;
    }

    private void Sent(long bytes) => _unreported += bytes;

    private void ReportSent()
    {
        if (_unreported != 0)
        {
            _link.Counters.AddToBackend(_unreported);
            _link.Info.AddToBackend(_unreported);
            _unreported = 0;
        }
    }

    private void TraceLiteralStart()
    {
        if (_literalToTrace > 0)
        {
            _link.Trace?.Literal(fromClient: true, _literalToTrace);
            _literalToTrace = 0;
        }
    }

    private ClientStep PluginFailed(HookFailureException ex)
    {
        RelayLog.PluginFailed(_link.Logger, ex.Plugin, ex.Hook, ex.Message);
        _protocolError = "[UNAVAILABLE] FrontDoor failed to process the command; please reconnect";
        return ClientStep.PluginFailed;
    }

    private ClientStep RefuseCommand(in Frame frame, string? reply)
    {
        if (!frame.StartsMessage)
        {
            // Part of the command already went to the backend; it cannot be taken back.
            _protocolError = reply is not null && reply.Contains("[TOOBIG]", StringComparison.Ordinal)
                ? "[TOOBIG] Literal larger than this mail server accepts"
                : "Command refused by FrontDoor after it was partly relayed";
            return ClientStep.ProtocolError;
        }

        if (frame.Literal is { } literal)
        {
            if (literal.NonSynchronizing)
            {
                _command.Discarding = true;
            }
            else
            {
                _clientFramer.CancelLiteral();
            }
        }

        _pendingReply = reply ?? "NO Command refused";
        return ClientStep.Reply;
    }

    private async Task ReplyToClientAsync(CancellationToken cancellationToken)
    {
        var reply = _pendingReply!;
        _pendingReply = null;
        using var lease = await _link.ClientOutput.AcquireAsync(cancellationToken).ConfigureAwait(false);
        lease.Writer.Write(_command.Tag);
        lease.Writer.Write(" "u8);
        lease.Writer.WriteAscii(reply);
        lease.Writer.Write("\r\n"u8);
        await lease.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for the backend's verdict on the literal just announced; false when it never came.</summary>
    private async Task<bool> AwaitGateAsync(CancellationToken cancellationToken)
    {
        var waiting = _gateWait!;
        _gateWait = null;
        GateOutcome outcome;
        try
        {
            outcome = await waiting.WaitAsync(_link.Session.Backend.ContinuationTimeout, _link.Services.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            RelayLog.ContinuationTimeout(_link.Logger, _gate.WaitingTag);
            _gate.Disarm();
            return false;
        }

        if (outcome == GateOutcome.Refused)
        {
            if (_command.LiteralConverted)
            {
                // The client sent the octets without waiting: read and drop them, and the rest of the command.
                _command.Discarding = true;
                _link.Counters.CommandDrained();
                RelayLog.LiteralDrained(_link.Logger, _clientFramer.LiteralRemaining);
            }
            else
            {
                _clientFramer.CancelLiteral();
            }
        }

        return true;
    }
}
