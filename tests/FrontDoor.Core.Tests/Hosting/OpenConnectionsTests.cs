using FrontDoor.Core.Hosting;
using Xunit;

namespace FrontDoor.Core.Tests.Hosting;

/// <summary>The count a stop waits on: it completes with the last close, not before, however the two race.</summary>
public class OpenConnectionsTests
{
    [Fact]
    public async Task A_stop_waits_for_the_last_open_connection()
    {
        var connections = new OpenConnections();
        connections.Opened();
        connections.Opened();
        var allClosed = connections.AllClosedAsync();
        connections.Closed();
        Assert.False(allClosed.IsCompleted);
        Assert.Equal(1, connections.Count);
        connections.Closed();
        await allClosed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, connections.Count);
    }

    [Fact]
    public async Task A_stop_with_nothing_open_is_done_at_once_and_closes_racing_it_are_never_missed()
    {
        Assert.True(new OpenConnections().AllClosedAsync().IsCompleted);
        for (var round = 0; round < 2_000; round++)
        {
            var connections = new OpenConnections();
            connections.Opened();
            var closing = Task.Run(connections.Closed);
            var allClosed = connections.AllClosedAsync();
            await closing;
            await allClosed.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
