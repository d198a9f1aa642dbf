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
                var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    return SessionEnd.BackendClosed;
                }

                switch (step)
                {
                    case ClientStep.AwaitGate:
                        if (!await AwaitGateAsync(cancellationToken).ConfigureAwait(false))
                        {
                            return SessionEnd.Timeout;
                        }

                        break;
                    case ClientStep.Reply:
                        await ReplyToClientAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case ClientStep.ProtocolError:
                        return SessionEnd.ProtocolError;
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
                        output.Write(frame.Content);
                        _counters.AddToBackend(frame.Content.Length);
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
        if (_trace is not null && literal is { Length: > 0 } traced)
        {
            _trace.Literal(fromClient: true, traced.Length);
        }

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

        var decision = _rewriters.IsEmpty
            ? CommandDecision.Forward
            : _rewriters.Inspect(new CommandLine(line, frame.StartsMessage, _command.Tag, _command.Name, literal), _session);

        if (decision.Action == CommandAction.Reply)
        {
            return RefuseCommand(frame, decision.Reply);
        }

        if (literal is { NonSynchronizing: true } converted && decision.Action == CommandAction.SynchronizeLiteral)
        {
            // "{N+}" becomes "{N}": the '+' is the byte before the closing brace.
            _command.LiteralConverted = true;
            var waiting = _gate.Arm(_command.Tag, relayContinuation: false);
            _gateWait = waiting;
            output.Write(line[..^2]);
            output.Write("}\r\n"u8);
            _counters.AddToBackend(line.Length + 1);
            _counters.LiteralSynchronized();
            LogLiteralSynchronized(converted.Length);
            return ClientStep.AwaitGate;
        }

        if (literal is { NonSynchronizing: false })
        {
            // The client waits for the backend's '+' itself; this pump must learn whether it came (octets
            // follow) or the command was refused (the next octets are a new command).
            _command.LiteralConverted = false;
            _gateWait = _gate.Arm(_command.Tag, relayContinuation: true);
            output.Write(frame.Raw);
            _counters.AddToBackend(frame.Raw.Length);
            return ClientStep.AwaitGate;
        }

        output.Write(frame.Raw);
        _counters.AddToBackend(frame.Raw.Length);
        return ClientStep.NeedMore;
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
