using FrontDoor.Core.Sessions;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

public class KeyedCounterTests
{
    [Fact]
    public void A_key_at_its_cap_is_refused_until_a_place_is_left()
    {
        var counter = new KeyedCounter<string>(StringComparer.OrdinalIgnoreCase);

        Assert.True(counter.TryEnter("alice", 2));
        Assert.True(counter.TryEnter("ALICE", 2));
        Assert.False(counter.TryEnter("Alice", 2));
        Assert.True(counter.TryEnter("bob", 2));
        Assert.Equal(2, counter.Count("alice"));

        counter.Leave("alice");

        Assert.Equal(1, counter.Count("alice"));
        Assert.True(counter.TryEnter("alice", 2));
    }

    [Fact]
    public void A_key_left_to_zero_starts_again_from_zero_and_extra_leaves_do_not_go_below()
    {
        var counter = new KeyedCounter<string>();
        Assert.True(counter.TryEnter("k", 1));

        counter.Leave("k");
        counter.Leave("k");
        counter.Leave("never-entered");

        Assert.Equal(0, counter.Count("k"));
        Assert.True(counter.TryEnter("k", 1));
        Assert.False(counter.TryEnter("k", 1));
    }

    [Fact]
    public void No_cap_takes_any_number_of_places()
    {
        var counter = new KeyedCounter<int>();
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(counter.TryEnter(7, 0));
        }

        Assert.Equal(1000, counter.Count(7));
    }

    [Fact]
    public async Task Places_taken_and_left_from_many_threads_add_up()
    {
        var counter = new KeyedCounter<string>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                var key = "user" + (i % 5);
                Assert.True(counter.TryEnter(key, 0));
                if (i % 2 == 0)
                {
                    counter.Leave(key);
                }
            }
        })));

        Assert.Equal(8 * 5_000, Enumerable.Range(0, 5).Sum(k => counter.Count("user" + k)));
    }

    [Fact]
    public void After_a_burst_of_keys_has_gone_the_table_shrinks_and_still_counts()
    {
        var counter = new KeyedCounter<int>();
        for (var key = 0; key < 100_000; key++)
        {
            Assert.True(counter.TryEnter(key, 1));
        }

        var burst = counter.Capacity;
        Assert.True(burst >= 100_000);

        // The burst leaves but for a hundred keys, which keep their counts through the shrinking.
        for (var key = 100; key < 100_000; key++)
        {
            counter.Leave(key);
        }

        Assert.True(counter.Capacity <= 4_096, $"room for {counter.Capacity} keys left after the burst");
        Assert.All(Enumerable.Range(0, 100), key => Assert.Equal(1, counter.Count(key)));
        Assert.False(counter.TryEnter(7, 1));
        Assert.Equal(0, counter.Count(100));
        Assert.True(counter.TryEnter(100, 1));
    }

    [Fact]
    public void A_table_that_never_grew_past_its_kept_room_is_not_reallocated()
    {
        var counter = new KeyedCounter<int>();
        for (var round = 0; round < 3; round++)
        {
            for (var key = 0; key < 1_000; key++)
            {
                Assert.True(counter.TryEnter(key, 1));
            }

            var full = counter.Capacity;
            for (var key = 0; key < 1_000; key++)
            {
                counter.Leave(key);
            }

            Assert.Equal(full, counter.Capacity);
        }
    }
}
