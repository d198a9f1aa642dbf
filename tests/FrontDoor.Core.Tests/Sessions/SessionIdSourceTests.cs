using FrontDoor.Core.Sessions;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary><see cref="SessionIdSource"/>: ids drawn ahead in batches stay 12 lowercase hex digits and distinct, across refills and threads.</summary>
public class SessionIdSourceTests
{
    [Fact]
    public async Task Ids_across_several_draws_and_threads_are_twelve_hex_digits_and_distinct()
    {
        var perThread = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Enumerable.Range(0, 1000).Select(_ => SessionIdSource.Next()).ToList())));
        var all = perThread.SelectMany(ids => ids).ToList();

        Assert.All(all, id => Assert.Matches("^[0-9a-f]{12}$", id));

        // 48 random bits each: 4,000 ids collide with a chance of about 3e-8.
        Assert.Equal(all.Count, all.Distinct(StringComparer.Ordinal).Count());
    }
}
