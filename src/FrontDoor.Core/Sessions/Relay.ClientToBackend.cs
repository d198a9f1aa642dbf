using System.Buffers;
using System.IO.Pipelines;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Sessions;

internal sealed partial class Relay
{
    private enum ClientStep
    {
        NeedMore,
        AwaitGate,
        Reply,
        ProtocolError,
        PluginFailed,
        Compress,
    }

    private async Task<SessionEnd> PumpClientToBackendAsync(CancellationToken cancellationToken)
    {
        var output = _backend.Output;
        try
        {
            while (true)
            {
                // Read each time: COMPRESS puts new pipes under the client connection.
                var input = _client.Input;
                var result = await input.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    return SessionEnd.Shutdown;
                }

                Touch();
                var buffer = result.Buffer;
                var step = ProcessClient(buffer, output, out var consumed);

                // On NeedMore everything was examined; otherwise the rest is processed after the step.
                input.AdvanceTo(consumed, step == ClientStep.NeedMore ? buffer.End : consumed);
                if (!await FlushToBackendAsync(output, cancellationToken).ConfigureAwait(false))
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

                if (step == ClientStep.NeedMore && result.IsCompleted)
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
        catch (IOException)
        {
            return SessionEnd.ClientClosed;
        }
    }

    /// <summary>False when the backend is gone: a failed write to it is the backend's end, not the client's.</summary>
    private static async ValueTask<bool> FlushToBackendAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        try
        {
            var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            return !flush.IsCompleted;
        }
        catch (IOException)
        {
            return false;
        }
    }

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
                        _counters.Drained(frame.Content.Length);
                    }
                    else
                    {
                        TraceLiteralStart();
                        output.Write(frame.Content);
                        _counters.AddToBackend(frame.Content.Length);
                        _info.AddToBackend(frame.Content.Length);
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
        _trace?.Client(line, frame.StartsMessage);

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

        if (_rewriters.IsEmpty)
        {
            return WriteCommandLine(frame.Raw, line, literal, CommandAction.Forward, rewritten: false, output);
        }

        CommandOutcome outcome;
        try
        {
            outcome = _rewriters.Inspect(new CommandLine(line, frame.StartsMessage, _command.Tag, _command.Name, literal), _session, ref _clientRewrite);
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
            _counters.LiteralSynchronized();
            _info.LiteralConverted();
            LogLiteralSynchronized(converted.Length);
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

    private void Sent(long bytes)
    {
        _counters.AddToBackend(bytes);
        _info.AddToBackend(bytes);
    }

    private void TraceLiteralStart()
    {
        if (_literalToTrace > 0)
        {
            _trace?.Literal(fromClient: true, _literalToTrace);
            _literalToTrace = 0;
        }
    }

    private ClientStep PluginFailed(HookFailureException ex)
    {
        LogPluginFailed(ex.Plugin, ex.Hook, ex.Message);
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
        using var lease = await _clientOutput.AcquireAsync(cancellationToken).ConfigureAwait(false);
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
            outcome = await waiting.WaitAsync(_session.Backend.ContinuationTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogContinuationTimeout(_gate.WaitingTag);
            _gate.Disarm();
            return false;
        }

        if (outcome == GateOutcome.Refused)
        {
            if (_command.LiteralConverted)
            {
                // The client sent the octets without waiting: read and drop them, and the rest of the command.
                _command.Discarding = true;
                _counters.CommandDrained();
                LogLiteralDrained(_clientFramer.LiteralRemaining);
            }
            else
            {
                _clientFramer.CancelLiteral();
            }
        }

        return true;
    }
}
