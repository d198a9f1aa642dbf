using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// Examines one read's buffer. It returns what it found, where it stopped (<paramref name="consumed"/>), and
/// whether it needs more bytes: then everything up to the buffer's end counts as examined, so the next read
/// waits for new bytes instead of handing back the same ones.
/// </summary>
internal delegate TStep BufferExaminer<TState, TStep>(TState state, in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out bool needMore);

/// <summary>What one read gave: the examiner's step, and the read's own flags.</summary>
internal readonly record struct ReadStep<TStep>(TStep Step, bool NeedMore, bool IsCompleted, bool IsCanceled);

/// <summary>
/// The one read loop of FrontDoor: every reader of a pipe (pre-auth commands and SASL lines, backend
/// responses before login, both relay pumps) reads, examines and advances through here, so the rule for
/// consumed and examined positions lives in one place.
/// </summary>
internal static class PipeReaderExtensions
{
    /// <summary>
    /// Reads once and examines the buffer; a cancelled read (CancelPendingRead) examines nothing. Its boxes are
    /// pooled, since a read that waits would otherwise allocate one each time; the relay's pumps await
    /// ReadAsync themselves and call <see cref="Examine"/>, so a relayed command allocates nothing at all.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<ReadStep<TStep>> ReadStepAsync<TState, TStep>(
        this PipeReader input, TState state, BufferExaminer<TState, TStep> examine, CancellationToken cancellationToken)
    {
        var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
        return input.Examine(result, state, examine);
    }

    /// <summary>
    /// Examines a read's buffer and advances past what was consumed. For a reader that must do something
    /// between the read and the examining (take the client's output lock).
    /// </summary>
    public static ReadStep<TStep> Examine<TState, TStep>(this PipeReader input, in ReadResult result, TState state, BufferExaminer<TState, TStep> examine)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(examine);
        if (result.IsCanceled)
        {
            input.AdvanceTo(result.Buffer.Start);
            return new ReadStep<TStep>(default!, true, result.IsCompleted, true);
        }

        var step = examine(state, result.Buffer, out var consumed, out var needMore);
        input.AdvanceTo(consumed, needMore ? result.Buffer.End : consumed);
        return new ReadStep<TStep>(step, needMore, result.IsCompleted, false);
    }
}
