using FrontDoor.Core.Sessions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>The one-timer deadline wheel behind the idle and pre-auth timeouts, on a fake clock.</summary>
public class DeadlineWheelTests
{
    /// <summary>A deadline the test moves, as a session's activity moves its idle deadline.</summary>
    private sealed class Entry(FakeTimeProvider time, TimeSpan after) : IDeadlineEntry
    {
        private DateTimeOffset _deadline = time.GetUtcNow() + after;

        public int Expired { get; private set; }

        public int WheelSlot { get; set; } = -1;

        public void Postpone(TimeSpan after) => _deadline = time.GetUtcNow() + after;

        public TimeSpan Remaining() => _deadline - time.GetUtcNow();

        public void Expire() => Expired++;
    }

    [Fact]
    public void Entries_expire_once_at_their_deadline_and_not_before()
    {
        var time = new FakeTimeProvider();
        using var wheel = new DeadlineWheel(time);
        var soon = new Entry(time, TimeSpan.FromSeconds(3));
        var later = new Entry(time, TimeSpan.FromSeconds(10));
        wheel.Add(soon);
        wheel.Add(later);

        Tick(time, 2);
        Assert.Equal((0, 0), (soon.Expired, later.Expired));
        Tick(time, 2);
        Assert.Equal((1, 0), (soon.Expired, later.Expired));
        Tick(time, 7);
        Assert.Equal((1, 1), (soon.Expired, later.Expired));
        Tick(time, 20);
        Assert.Equal((1, 1), (soon.Expired, later.Expired));
    }

    [Fact]
    public void ExpireAll_expires_every_entry_at_once_and_only_once()
    {
        var time = new FakeTimeProvider();
        using var wheel = new DeadlineWheel(time);
        var soon = new Entry(time, TimeSpan.FromSeconds(3));
        var later = new Entry(time, TimeSpan.FromMinutes(10));
        var removed = new Entry(time, TimeSpan.FromSeconds(3));
        wheel.Add(soon);
        wheel.Add(later);
        wheel.Add(removed);
        wheel.Remove(removed);

        wheel.ExpireAll();
        Assert.Equal((1, 1, 0), (soon.Expired, later.Expired, removed.Expired));
        Assert.Equal((-1, -1), (soon.WheelSlot, later.WheelSlot));

        // Nothing is left in the wheel to expire a second time.
        Tick(time, 700);
        Assert.Equal((1, 1, 0), (soon.Expired, later.Expired, removed.Expired));
    }

    [Fact]
    public void A_moved_deadline_is_put_back_and_a_removed_entry_never_expires()
    {
        var time = new FakeTimeProvider();
        using var wheel = new DeadlineWheel(time);
        var busy = new Entry(time, TimeSpan.FromSeconds(5));
        var gone = new Entry(time, TimeSpan.FromSeconds(5));
        wheel.Add(busy);
        wheel.Add(gone);
        wheel.Remove(gone);

        Tick(time, 4);
        busy.Postpone(TimeSpan.FromSeconds(30));
        Tick(time, 10);
        Assert.Equal((0, 0), (busy.Expired, gone.Expired));
        Tick(time, 25);
        Assert.Equal((1, 0), (busy.Expired, gone.Expired));
        Assert.Equal(-1, busy.WheelSlot);
    }

    [Fact]
    public void A_deadline_beyond_one_turn_of_the_wheel_and_a_long_jump_of_the_clock_are_both_kept()
    {
        var time = new FakeTimeProvider();
        using var wheel = new DeadlineWheel(time);
        var farOff = new Entry(time, TimeSpan.FromHours(3)); // more than 4,096 one-second slots
        var near = new Entry(time, TimeSpan.FromSeconds(2));
        wheel.Add(farOff);
        wheel.Add(near);

        // One jump of an hour: the timer fires late, the sweep catches up over every slot once.
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal((0, 1), (farOff.Expired, near.Expired));
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, farOff.Expired);
        Tick(time, 3_700);
        Assert.Equal(1, farOff.Expired);
    }

    private static void Tick(FakeTimeProvider time, int seconds)
    {
        for (var i = 0; i < seconds; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }
    }
}
