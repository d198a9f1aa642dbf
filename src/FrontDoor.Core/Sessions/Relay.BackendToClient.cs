using System.Buffers;
using System.IO.Pipelines;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Sessions;

internal sealed partial class Relay
{
    private async Task<SessionEnd> PumpBackendToClientAsync(CancellationToken cancellationToken)
    {
        var input = _backend.Input;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    return SessionEnd.Shutdown;
                }

                Touch();
                Volatile.Write(ref _lastBackendActivity, _time.GetTimestamp());
                var buffer = result.Buffer;
                BackendStep step;
                SequencePosition consumed;
                using (var lease = await _clientOutput.AcquireAsync(cancellationToken).ConfigureAwait(false))
                {
                    step = ProcessBackend(buffer, lease.Writer, out consumed);
                    if (!await FlushToClientAsync(lease.Writer, cancellationToken).ConfigureAwait(false))
                    {
                        return SessionEnd.ClientClosed;
                    }
                }

                input.AdvanceTo(consumed, buffer.End);
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
            }
        }
        catch (OperationCanceledException)
        {
            return SessionEnd.Shutdown;
        }
        catch (IOException)
        {
            return SessionEnd.BackendClosed;
        }
    }

    private enum BackendStep
    {
        Relayed,
        Unrelayable,
        PluginFailed,
    }

    /// <summary>False when the client is gone: a failed write to it is the client's end, not the backend's.</summary>
    private static async ValueTask<bool> FlushToClientAsync(PipeWriter output, CancellationToken cancellationToken)
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

    private void Received(long bytes)
    {
        _counters.AddToClient(bytes);
        _info.AddToClient(bytes);
    }

    /// <summary>Relays one response line through the response rewriters; false when a plugin failed on it.</summary>
    private bool OnBackendLine(in Frame frame, PipeWriter output)
    {
        var line = _backendLine.GetSpan(frame.Content);
        if (_trace is not null)
        {
            _trace.Server(line);
            if (frame.Literal is { Length: > 0 } literal)
            {
                _trace.Literal(fromClient: false, literal.Length);
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
                        _backendSaidBye = true;
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
            outcome = _responses.Inspect(new ResponseLine(line, _responseKind, frame.StartsMessage, tag, frame.Literal), _session, ref _backendRewrite);
        }
        catch (HookFailureException ex)
        {
            LogPluginFailed(ex.Plugin, ex.Hook, ex.Message);
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
