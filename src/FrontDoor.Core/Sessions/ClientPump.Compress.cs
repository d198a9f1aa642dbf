using System.Buffers;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Compression;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// COMPRESS=DEFLATE (RFC 4978) for the client, ended at FrontDoor: the relay answers COMPRESS itself and
/// puts compression under the client connection's pipes, so both pumps go on reading plain IMAP.
/// </summary>
internal sealed partial class ClientPump
{
    // Set when the client pump is told to stop: a stop that lands while COMPRESS swaps the pipes would cancel
    // the old reader only.
    private volatile bool _clientStopped;

    /// <summary>How FrontDoor compresses for this listener's clients; null when COMPRESS is not offered.</summary>
    private DeflateSettings? ClientCompression { get; }

    /// <summary>A COMPRESS command: refused like a rewriter's reply, or accepted (<see cref="ClientStep.Compress"/>).</summary>
    private ClientStep OnCompress(in Frame frame, ReadOnlySpan<byte> line)
    {
        ImapSyntax.NextWord(line, out var afterTag);
        ImapSyntax.NextWord(afterTag, out var arguments);
        var refusal = CompressCommand.Refusal(arguments, frame.Literal is not null, ClientCompression is not null, _link.Client.IsCompressed);
        return refusal is null ? ClientStep.Compress : RefuseCommand(frame, refusal);
    }

    /// <summary>
    /// Sends the tagged OK in plain text and switches the client connection to DEFLATE while holding the
    /// client's output, so no response slips in between (RFC 4978 section 3: compression starts right after
    /// the OK's CRLF). Returns how the pump ends, or null when it goes on reading.
    /// </summary>
    private async Task<SessionEnd?> StartClientCompressionAsync(CancellationToken cancellationToken)
    {
        using (var lease = await _link.ClientOutput.AcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            lease.Writer.Write(_command.Tag);
            lease.Writer.WriteAscii(" " + CompressCommand.Accepted + "\r\n");
            var flush = await lease.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flush.IsCompleted || flush.IsCanceled)
            {
                return SessionEnd.ClientClosed;
            }

            await _link.Client.StartCompressionAsync(ClientCompression!).ConfigureAwait(false);
            lease.Replace(_link.Client.Output);
        }

        RelayLog.CompressionStarted(_link.Logger);
        return _clientStopped ? SessionEnd.Shutdown : null;
    }

    /// <summary>The client's stream did not inflate: the session ends with a BYE (written compressed) and this line.</summary>
    private SessionEnd OnClientStreamNotInflating(InvalidCompressedDataException ex)
    {
        RelayLog.ClientStreamNotInflating(_link.Logger, ex.Message);
        _protocolError = "Compressed data from the client is not valid DEFLATE";
        return SessionEnd.ClientProtocolError;
    }

    /// <summary>At the end of a compressed session: what compression saved, and what the client made FrontDoor inflate.</summary>
    public void LogCompressionTotals()
    {
        if (_link.Client.CompressionLayer is { } layer)
        {
            RelayLog.CompressionTotals(_link.Logger, layer.BytesReceived, layer.BytesInflated, layer.BytesDeflated, layer.BytesSent);
        }
    }
}
