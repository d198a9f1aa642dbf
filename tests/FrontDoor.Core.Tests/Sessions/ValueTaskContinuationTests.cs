using System.Runtime.CompilerServices;
using FrontDoor.Core.Sessions;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>
/// <see cref="ValueTaskContinuation"/> reads <see cref="ValueTask"/>'s private fields: these fail if a runtime
/// renames them (the session would then fall back to a delegate, working but with its garbage back).
/// </summary>
public class ValueTaskContinuationTests
{
    private sealed class Box
    {
        public int Calls { get; set; }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask WaitAsync(Task gate) => await gate.ConfigureAwait(false);

    [Fact]
    public async Task A_pooled_async_methods_task_calls_back_once_with_the_state_when_it_completes()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var box = new Box();
#pragma warning disable CA2012 // Consumed once: by the await below, after the callback, as ClientSession.Ended consumes its run.
        var task = WaitAsync(gate.Task);
#pragma warning restore CA2012

        Assert.True(ValueTaskContinuation.TryOnCompleted(task, static state =>
        {
            var b = (Box)state!;
            b.Calls++;
        }, box));
        Assert.Equal(0, box.Calls);

        gate.SetResult();
        await WaitUntilAsync(() => box.Calls == 1);
        await task;
        Assert.Equal(1, box.Calls);
    }

    [Fact]
    public void A_task_backed_or_completed_value_task_is_refused_and_nothing_is_registered()
    {
        var box = new Box();
        var gate = new TaskCompletionSource();

        Assert.False(ValueTaskContinuation.TryOnCompleted(new ValueTask(gate.Task), static state => ((Box)state!).Calls++, box));
        Assert.False(ValueTaskContinuation.TryOnCompleted(ValueTask.CompletedTask, static state => ((Box)state!).Calls++, box));

        gate.SetResult();
        Assert.Equal(0, box.Calls);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }
    }
}
