using System.Net;
using FrontDoor.Core.Sessions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

public class AuthFailureTrackerTests
{
    [Fact]
    public void The_delay_doubles_per_failure_from_an_address_up_to_the_maximum_and_resets()
    {
        var clock = new FakeTimeProvider();
        var tracker = new AuthFailureTracker(clock, new SessionLimits { AuthFailureDelay = TimeSpan.FromSeconds(1), MaxAuthFailureDelay = TimeSpan.FromSeconds(15) });
        var guesser = IPAddress.Parse("192.0.2.7");
        var other = IPAddress.Parse("192.0.2.8");

        Assert.Equal([1, 2, 4, 8, 15, 15], Enumerable.Range(0, 6).Select(_ => tracker.Failed(guesser).TotalSeconds));
        Assert.Equal(1, tracker.Failed(other).TotalSeconds);

        // Ten quiet minutes and the address starts afresh; so does a successful login.
        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(1, tracker.Failed(guesser).TotalSeconds);
        Assert.Equal(2, tracker.Failed(guesser).TotalSeconds);
        tracker.Succeeded(guesser);
        Assert.Equal(1, tracker.Failed(guesser).TotalSeconds);
    }
}
