using FrontDoor.Core.Backends;
using Xunit;

namespace FrontDoor.Core.Tests.Backends;

/// <summary>The pooled login deadlines: cancelled by their time or by the token they follow, and reused only when they did not fire.</summary>
public class PooledDeadlineTests
{
    [Fact]
    public async Task A_deadline_cancels_its_token_when_its_time_is_over()
    {
        using var deadline = PooledDeadline.Start(TimeSpan.FromMilliseconds(20), CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Delay(Timeout.Infinite, deadline.Token));
    }

    [Fact]
    public void A_deadline_follows_the_token_it_is_linked_to()
    {
        using var shutdown = new CancellationTokenSource();
        using var deadline = PooledDeadline.Start(TimeSpan.FromMinutes(5), shutdown.Token);

        Assert.False(deadline.Token.IsCancellationRequested);
        shutdown.Cancel();
        Assert.True(deadline.Token.IsCancellationRequested);
    }

    [Fact]
    public void An_ended_deadline_no_longer_follows_its_link_and_the_next_one_starts_afresh()
    {
        using var shutdown = new CancellationTokenSource();
        var first = PooledDeadline.Start(TimeSpan.FromMinutes(5), shutdown.Token);
        first.Dispose();

        using var second = PooledDeadline.Start(TimeSpan.FromMinutes(5), CancellationToken.None);
        shutdown.Cancel();

        // Whether or not the second reuses the first's source, the old link must not reach it.
        Assert.False(second.Token.IsCancellationRequested);
    }

    [Fact]
    public void A_deadline_that_fired_is_not_reused()
    {
        using var shutdown = new CancellationTokenSource();
        var fired = PooledDeadline.Start(TimeSpan.FromMinutes(5), shutdown.Token);
        shutdown.Cancel();
        fired.Dispose();

        for (var i = 0; i < 50; i++)
        {
            using var next = PooledDeadline.Start(TimeSpan.FromMinutes(5), CancellationToken.None);
            Assert.False(next.Token.IsCancellationRequested);
        }
    }
}
