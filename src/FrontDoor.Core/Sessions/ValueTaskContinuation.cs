using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// Runs a continuation when a <see cref="ValueTask"/> backed by an <see cref="IValueTaskSource"/> (a pooled
/// async method's box) completes, handing it a state object instead of binding a delegate: the awaiter's
/// <c>UnsafeOnCompleted(Action)</c> needs a delegate bound to its target, one per call (64 B). The source and
/// its token are the task's private fields, read as <see cref="BareSocket"/> reaches .NET's private
/// constructor; a runtime without them gets false, and the caller binds the delegate as before.
/// </summary>
internal static class ValueTaskContinuation
{
    private static bool s_missing;

    /// <summary>
    /// Has <paramref name="continuation"/>(<paramref name="state"/>) run once <paramref name="task"/> completes,
    /// with no execution context flowed and no context captured (as <c>ConfigureAwait(false)</c>'s
    /// <c>UnsafeOnCompleted</c>); false when the task is not backed by a source (a Task, or a result) or the
    /// fields are not there: then nothing was registered.
    /// </summary>
    public static bool TryOnCompleted(ValueTask task, Action<object?> continuation, object state)
    {
        if (s_missing)
        {
            return false;
        }

        try
        {
            if (SourceOf(ref task) is not IValueTaskSource source)
            {
                return false;
            }

            source.OnCompleted(continuation, state, TokenOf(ref task), ValueTaskSourceOnCompletedFlags.None);
            return true;
        }
        catch (MissingFieldException)
        {
            s_missing = true;
            return false;
        }
    }

    // ValueTask's own fields, in .NET 8 to 10; checked by ValueTaskContinuationTests, so a runtime that
    // renames them is seen in the tests.
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_obj")]
    private static extern ref readonly object? SourceOf(ref ValueTask task);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_token")]
    private static extern ref readonly short TokenOf(ref ValueTask task);
}
