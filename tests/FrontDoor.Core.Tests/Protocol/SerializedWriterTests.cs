using System.IO.Pipelines;
using FrontDoor.Core.Protocol;
using Xunit;

#pragma warning disable CA2012 // The tests look at whether an acquire completed at once; none is consumed twice.

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>The client's writer lock: one writer at a time, first come first served, cancellation as a semaphore's.</summary>
public class SerializedWriterTests
{
    private static SerializedWriter NewWriter() => new(new Pipe().Writer);

    [Fact]
    public async Task A_free_writer_is_taken_at_once_and_again_after_its_release()
    {
        var writer = NewWriter();
        var first = writer.AcquireAsync(CancellationToken.None);
        Assert.True(first.IsCompletedSuccessfully);
        (await first).Dispose();

        var second = writer.AcquireAsync(CancellationToken.None);
        Assert.True(second.IsCompletedSuccessfully);
        (await second).Dispose();
    }

    [Fact]
    public async Task Waiters_get_the_writer_one_at_a_time_in_the_order_they_came()
    {
        var writer = NewWriter();
        var held = await writer.AcquireAsync(CancellationToken.None);
        var second = writer.AcquireAsync(CancellationToken.None).AsTask();
        var third = writer.AcquireAsync(CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);

        held.Dispose();
        var secondLease = await second;
        Assert.False(third.IsCompleted);
        secondLease.Dispose();
        (await third).Dispose();

        // Free again: taken without waiting.
        Assert.True(writer.AcquireAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_cancelled_waiter_gives_up_and_the_next_waiter_gets_the_writer()
    {
        var writer = NewWriter();
        var held = await writer.AcquireAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = writer.AcquireAsync(cancel.Token).AsTask();
        var next = writer.AcquireAsync(CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(next.IsCompleted);

        held.Dispose();
        (await next).Dispose();
        Assert.True(writer.AcquireAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_release_with_only_cancelled_waiters_frees_the_writer()
    {
        var writer = NewWriter();
        var held = await writer.AcquireAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = writer.AcquireAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        held.Dispose();
        Assert.True(writer.AcquireAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task An_already_cancelled_token_is_refused_even_when_the_writer_is_free()
    {
        var writer = NewWriter();
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await writer.AcquireAsync(cancel.Token));

        // Nothing was taken.
        Assert.True(writer.AcquireAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_lease_given_back_twice_is_refused()
    {
        var writer = NewWriter();
        var lease = await writer.AcquireAsync(CancellationToken.None);
        lease.Dispose();
        Assert.Throws<InvalidOperationException>(lease.Dispose);
    }

    [Fact]
    public async Task Many_writers_with_cancellations_racing_releases_never_overlap_and_none_is_lost()
    {
        var writer = NewWriter();
        var inside = 0;
        var overlaps = 0;
        var done = 0;
        var tasks = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                using var cancel = new CancellationTokenSource();
                if ((i + worker) % 3 == 0)
                {
                    // Cancelled at about the moment the writer may be handed over.
                    cancel.CancelAfter(TimeSpan.FromTicks(i % 50));
                }

                SerializedWriter.Lease lease;
                try
                {
                    lease = await writer.AcquireAsync(cancel.Token);
                }
                catch (OperationCanceledException)
                {
                    continue;
                }

                if (Interlocked.Increment(ref inside) != 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                if (i % 7 == 0)
                {
                    await Task.Yield();
                }

                Interlocked.Decrement(ref inside);
                Interlocked.Increment(ref done);
                lease.Dispose();
            }
        })).ToArray();

        await Task.WhenAll(tasks);
        Assert.Equal(0, overlaps);
        Assert.True(done > 0);

        // No lease was lost: the writer is free at the end.
        Assert.True(writer.AcquireAsync(CancellationToken.None).IsCompletedSuccessfully);
    }
}
