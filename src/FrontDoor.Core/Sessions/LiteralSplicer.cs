using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Splicing;

namespace FrontDoor.Core.Sessions;

/// <summary>The pump whose literal <see cref="LiteralSplicer"/> moves: its framer's place and its counters.</summary>
internal interface ISplicingPump
{
    /// <summary>Octets of the literal being read still to come.</summary>
    long LiteralRemaining { get; }

    /// <summary><paramref name="octets"/> of the literal left the source socket (into the kernel pipe): the framer counts them read.</summary>
    void SplicedIn(long octets);

    /// <summary><paramref name="octets"/> reached the destination, spliced (never in FrontDoor's memory) or copied.</summary>
    void Delivered(long octets, bool spliced);
}

/// <summary>
/// Moves the rest of a large literal from one plain socket to the other through a kernel pipe (Linux's
/// splice(2), <see cref="KernelPipe"/>), so its octets never enter FrontDoor's memory (docs/ARCHITECTURE.md,
/// "The path of a byte"). The pump calls it once everything its pipe held was relayed and flushed, so the
/// rest of the literal is all still in the source socket. Used for the backend's literals (FETCH); an
/// APPEND's, spliced the same way, measured slower than copied (bench/README.md), so the client pump copies.
/// </summary>
internal static class LiteralSplicer
{
    /// <summary>Below this much of a literal still to come, making a pipe costs more than the copies it saves.</summary>
    public const long Threshold = 256 * 1024;

    /// <summary>True when the literal's rest may be spliced: enough of it, and both connections plain sockets (no TLS, no COMPRESS) on Linux.</summary>
    public static bool CanSplice(long literalRemaining, ImapConnection source, ImapConnection destination) =>
        literalRemaining >= Threshold
        && OperatingSystem.IsLinux()
        && source.PlainSocket is not null
        && destination.PlainSocket is not null;

    /// <summary>
    /// Splices until the literal's end, or until the source closes or is stopped (its receive side shut:
    /// the literal is left unfinished and the pump's next usual read says which it was). The destination's
    /// output (<paramref name="output"/>, shared with FrontDoor's own answers) is held while octets move and let
    /// go while the source has nothing, as a pump does around its reads. A destination that takes no more gets
    /// what the kernel pipe holds through the usual <see cref="PipeWriter"/>, whose flush waits for room: memory
    /// stays bounded by the pipe.
    /// </summary>
    /// <returns>False when the destination went away; true to go on reading the usual way.</returns>
    [SupportedOSPlatform("linux")]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<bool> RunAsync(ISplicingPump pump, ImapConnection source, ImapConnection destination, SerializedWriter output, CancellationToken cancellationToken)
    {
        // .NET makes a socket's descriptor non-blocking for good once it waited asynchronously, as both have.
        if (source.PlainSocket is not { } sourceSocket || !KernelPipe.CanUse(sourceSocket)
            || destination.PlainSocket is not { } destinationSocket || !KernelPipe.CanUse(destinationSocket))
        {
            return true;
        }

        using var pipe = KernelPipe.TryCreate();
        if (pipe is null)
        {
            return true;
        }

        while (true)
        {
            using (var lease = await output.AcquireAsync(cancellationToken).ConfigureAwait(false))
            {
                // Checked again each time: a layer may have started while the output was let go (the client's COMPRESS).
                var to = destination.PlainSocket;
                if (source.PlainSocket is null || to is null)
                {
                    return true;
                }

                while (pump.LiteralRemaining > 0)
                {
                    // The source tells its readiness what the splice found, so the wait below does not trust a
                    // readiness this took; one that ends the literal took all it asked for, so what follows the
                    // literal (queued, its edge gone) is looked for at the next wait.
                    var filled = source.SpliceInto(pipe, pump.LiteralRemaining);
                    if (filled == SpliceInterop.WouldBlock)
                    {
                        break;
                    }

                    if (filled == 0)
                    {
                        return true;
                    }

                    pump.SplicedIn(filled);
                    if (!await DrainAsync(pump, pipe, to, lease.Writer, cancellationToken).ConfigureAwait(false))
                    {
                        return false;
                    }
                }
            }

            if (pump.LiteralRemaining == 0)
            {
                return true;
            }

            await source.WaitForReadableAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Sends all the pipe holds: spliced while the socket takes it, else through <paramref name="output"/>, whose flush waits for room.</summary>
    /// <returns>False when the destination went away.</returns>
    [SupportedOSPlatform("linux")]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<bool> DrainAsync(ISplicingPump pump, KernelPipe pipe, SafeHandle destination, PipeWriter output, CancellationToken cancellationToken)
    {
        while (pipe.Pending > 0)
        {
            long sent;
            try
            {
                sent = pipe.DrainTo(destination);
            }
            catch (IOException)
            {
                return false;
            }

            if (sent != SpliceInterop.WouldBlock)
            {
                pump.Delivered(sent, spliced: true);
                continue;
            }

            var copied = CopyFromPipe(pipe, output);
            if (!await output.FlushWhileOpenAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            pump.Delivered(copied, spliced: false);
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
