using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace FrontDoor.Core.Protocol;

internal static class PipeWriterExtensions
{
    /// <summary>
    /// Flushes, and flushes again when the flush comes back cancelled by something other than this call's
    /// token. A stream pipe writer cancels its next flush when a cancellation meant for an earlier one lands
    /// after that one finished (the relay's stop racing with its last flush): the data then stays buffered and
    /// a session's last words, its BYE, were closed away unsent. Seen as a flaky idle-timeout test.
    /// </summary>
    public static async ValueTask<FlushResult> FlushSurelyAsync(this PipeWriter writer, CancellationToken cancellationToken)
    {
        var result = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return result.IsCanceled ? await writer.FlushAsync(cancellationToken).ConfigureAwait(false) : result;
    }

    /// <summary>
    /// Flushes; false when the other side is gone (the pipe completed, or the write failed). A relay pump
    /// uses it so that a failed write is put down to the side written to, not the side read from.
    /// </summary>
    public static ValueTask<bool> FlushWhileOpenAsync(this PipeWriter writer, CancellationToken cancellationToken)
    {
        // A flush the socket took at once (a relayed command or answer, nearly always) needs no state machine.
        ValueTask<FlushResult> flush;
        try
        {
            flush = writer.FlushAsync(cancellationToken);
        }
        catch (IOException)
        {
            return ValueTask.FromResult(false);
        }

        return flush.IsCompletedSuccessfully ? ValueTask.FromResult(!flush.Result.IsCompleted) : FlushWhileOpenSlowAsync(flush);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<bool> FlushWhileOpenSlowAsync(ValueTask<FlushResult> pending)
    {
        try
        {
            var flush = await pending.ConfigureAwait(false);
            return !flush.IsCompleted;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
