using System.IO.Pipelines;

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
}
