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
                bool tooLong;
                SequencePosition consumed;
                using (var lease = await _clientOutput.AcquireAsync(cancellationToken).ConfigureAwait(false))
                {
                    tooLong = !ProcessBackend(buffer, lease.Writer, out consumed);
                    var flush = await lease.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (flush.IsCompleted)
                    {
                        return SessionEnd.ClientClosed;
                    }
                }

                input.AdvanceTo(consumed, buffer.End);
                if (tooLong)
                {
                    _protocolError = "[UNAVAILABLE] The mail server sent a response FrontDoor cannot relay";
                    return SessionEnd.ProtocolError;
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

    /// <summary>Relays every whole frame in the buffer; false when the backend broke the framing.</summary>
    private bool ProcessBackend(in ReadOnlySequence<byte> buffer, PipeWriter output, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            var kind = _backendFramer.Read(ref reader, out var frame);
            switch (kind)
            {
                case FrameKind.NeedMore:
                    consumed = reader.Position;
                    return true;
                case FrameKind.LiteralData:
                    output.Write(frame.Content);
                    _counters.AddToClient(frame.Content.Length);
                    continue;
                case FrameKind.Line:
                    OnBackendLine(frame, output);
                    continue;
                default:
                    consumed = reader.Position;
                    return false;
            }
        }
    }

    private void OnBackendLine(in Frame frame, PipeWriter output)
    {
        if (_trace is not null)
        {
            _trace.Server(_backendLine.GetSpan(frame.Content));
            if (frame.Literal is { Length: > 0 } literal)
            {
                _trace.Literal(fromClient: false, literal.Length);
            }
        }

        if (!frame.StartsMessage || frame.Content.IsEmpty)
        {
            Forward(frame, output);
            return;
        }

        var line = _backendLine.GetSpan(frame.Content);
        switch (line[0])
        {
            case (byte)'+':
                // Swallow the one continuation that answers a literal FrontDoor synchronized (PROTOCOL.md rule 2).
                if (_gate.OnContinuation())
                {
                    Forward(frame, output);
                }

                return;
            case (byte)'*':
                var untagged = ImapSyntax.NextWord(line[1..].TrimStart((byte)' '), out _);
                if (ImapSyntax.EqualsIgnoreCase(untagged, "BYE"))
                {
                    _backendSaidBye = true;
                }

                break;
            default:
                _gate.OnTaggedCompletion(ImapSyntax.NextWord(line, out _));
                break;
        }

        if (frame.Literal is null && CapabilityResponse.TryLocate(line, out var tokens))
        {
            var advertised = CapabilityResponse.Parse(line[tokens]);
            var shown = _capabilities.Apply(advertised, new CapabilityContext(CapabilityStage.PostAuth, _session.Backend, advertised));
            OfferCompression(shown, ClientCompression);
            CapabilityResponse.WriteRewritten(output, line, tokens, shown);
            _counters.AddToClient(frame.Raw.Length);
            _counters.CapabilityRewritten();
            return;
        }

        Forward(frame, output);
    }

    private void Forward(in Frame frame, PipeWriter output)
    {
        output.Write(frame.Raw);
        _counters.AddToClient(frame.Raw.Length);
    }
}
