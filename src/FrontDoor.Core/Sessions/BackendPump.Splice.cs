using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Splicing;

namespace FrontDoor.Core.Sessions;

internal sealed partial class BackendPump
{
    /// <summary>
    /// A literal with at least this much still to come, between two plain sockets on Linux, is spliced
    /// (<see cref="KernelPipe"/>): below it, making a pipe costs more than the copies it saves.
    /// </summary>
    internal const long SpliceThreshold = 256 * 1024;

    /// <summary>
    /// True when the rest of the literal being read can go from socket to socket: at least
    /// <see cref="SpliceThreshold"/> octets of it to come, none of them buffered (the framer reads a literal
    /// to the end of what the pipe holds), and both connections plain sockets.
    /// </summary>
    private bool CanSpliceRest() =>
        _backendFramer.LiteralRemaining >= SpliceThreshold
        && _link.Backend.PlainSocket is not null
        && _link.Client.PlainSocket is not null;

    /// <summary>
    /// Moves the rest of the literal from the backend's socket to the client's through a kernel pipe, so its
    /// octets never enter FrontDoor's memory (docs/ARCHITECTURE.md, "The path of a byte"). The client's
    /// output is held while octets move, as for a read's batch, and let go while the backend has nothing, as
    /// when waiting for a read. A client that does not take them is sent to the usual way, whose send waits
    /// for room: memory stays bounded by the pipe. The backend's close, or a stop (its receive side shut),
    /// ends the splice with the literal unfinished; the usual read then says which it was.
    /// </summary>
    /// <returns>The session's end when the client went away; null to go on reading the usual way.</returns>
    [SupportedOSPlatform("linux")]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<SessionEnd?> SpliceLiteralAsync(CancellationToken cancellationToken)
    {
        // .NET makes a socket's descriptor non-blocking for good once it waited asynchronously, as both have.
        if (_link.Backend.PlainSocket is not { } backendSocket || !KernelPipe.CanUse(backendSocket)
            || _link.Client.PlainSocket is not { } clientSocket || !KernelPipe.CanUse(clientSocket))
        {
            return null;
        }

        using var pipe = KernelPipe.TryCreate();
        if (pipe is null)
        {
            return null;
        }

        while (true)
        {
            using (var lease = await _link.ClientOutput.AcquireAsync(cancellationToken).ConfigureAwait(false))
            {
                // Checked again each time: the client may have started COMPRESS while the output was let go.
                var backend = _link.Backend.PlainSocket;
                var client = _link.Client.PlainSocket;
                if (backend is null || client is null)
                {
                    return null;
                }

                while (_backendFramer.LiteralRemaining > 0)
                {
                    var filled = pipe.FillFrom(backend, _backendFramer.LiteralRemaining);
                    if (filled == SpliceInterop.WouldBlock)
                    {
                        break;
                    }

                    if (filled == 0)
                    {
                        return null;
                    }

                    _backendFramer.SkipLiteralOctets(filled);
                    Touch();
                    if (!await DrainPipeAsync(pipe, client, lease.Writer, cancellationToken).ConfigureAwait(false))
                    {
                        return SessionEnd.ClientClosed;
                    }
                }
            }

            if (_backendFramer.LiteralRemaining == 0)
            {
                return null;
            }

            await _link.Backend.WaitForReadableAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Sends all the pipe holds to the client: spliced while its socket takes it, else through <paramref name="output"/>, whose flush waits for room.</summary>
    /// <returns>False when the client went away.</returns>
    [SupportedOSPlatform("linux")]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> DrainPipeAsync(KernelPipe pipe, System.Runtime.InteropServices.SafeHandle client, PipeWriter output, CancellationToken cancellationToken)
    {
        while (pipe.Pending > 0)
        {
            long sent;
            try
            {
                sent = pipe.DrainTo(client);
            }
            catch (IOException)
            {
                return false;
            }

            if (sent != SpliceInterop.WouldBlock)
            {
                Received(sent);
                _link.Counters.Spliced(sent);
                continue;
            }

            var copied = CopyFromPipe(pipe, output);
            if (!await output.FlushWhileOpenAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            Received(copied);
        }

        return true;
    }

    [SupportedOSPlatform("linux")]
    private static int CopyFromPipe(KernelPipe pipe, PipeWriter output)
    {
        var copied = pipe.ReadInto(output.GetSpan(Math.Min(pipe.Pending, ImapConnection.BufferSize)));
        output.Advance(copied);
        return copied;
    }
}
