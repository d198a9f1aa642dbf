using FrontDoor.Core.Protocol;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>The token-addressed slot table behind the event loop's and the parked connections' epoll registrations.</summary>
public class GenerationSlotsTests
{
    [Fact]
    public void A_token_finds_its_value_until_it_is_removed()
    {
        var slots = new GenerationSlots<string>(4);
        var token = slots.Add("a");

        Assert.True(slots.TryGet(token, out var found));
        Assert.Equal("a", found);
        Assert.Equal(1, slots.Count);

        Assert.True(slots.TryRemove(token, out var removed));
        Assert.Equal("a", removed);
        Assert.Equal(0, slots.Count);
        Assert.False(slots.TryGet(token, out _));
        Assert.False(slots.TryRemove(token, out _));
        Assert.Equal(0, slots.Count);
    }

    [Fact]
    public void A_stale_token_is_ignored_after_its_slot_is_reused()
    {
        var slots = new GenerationSlots<string>(4);
        var stale = slots.Add("old");
        slots.TryRemove(stale, out _);
        var fresh = slots.Add("new");

        // The same slot, another generation: an event fetched for the old owner must not reach the new one.
        Assert.Equal((uint)stale, (uint)fresh);
        Assert.NotEqual(stale, fresh);
        Assert.False(slots.TryGet(stale, out _));
        Assert.False(slots.TryRemove(stale, out _));
        Assert.True(slots.TryGet(fresh, out var found));
        Assert.Equal("new", found);
        Assert.Equal(1, slots.Count);
    }

    [Fact]
    public void Freed_slots_are_reused_before_the_table_grows()
    {
        var slots = new GenerationSlots<int>(4);
        var tokens = Enumerable.Range(0, 4).Select(i => slots.Add(i)).ToArray();
        slots.TryRemove(tokens[1], out _);
        slots.TryRemove(tokens[3], out _);

        var again = new[] { slots.Add(10), slots.Add(11) };

        Assert.Equal(4, slots.Capacity);
        Assert.Equal(new uint[] { 1, 3 }, again.Select(t => (uint)t).Order());
        Assert.Equal(4, slots.Count);
    }

    [Fact]
    public void A_full_table_doubles_and_keeps_every_value()
    {
        var slots = new GenerationSlots<int>(2);
        var tokens = Enumerable.Range(0, 9).Select(i => slots.Add(i * 100)).ToArray();

        Assert.Equal(16, slots.Capacity);
        Assert.Equal(9, slots.Count);
        Assert.Equal(9, tokens.Select(t => (uint)t).Distinct().Count());
        for (var i = 0; i < tokens.Length; i++)
        {
            Assert.True(slots.TryGet(tokens[i], out var value));
            Assert.Equal(i * 100, value);
        }
    }

    [Fact]
    public void Tokens_that_were_never_given_find_nothing()
    {
        var slots = new GenerationSlots<string>(4);
        var token = slots.Add("a");

        Assert.False(slots.TryGet(0, out _));
        Assert.False(slots.TryGet(token + 1, out _));
        Assert.False(slots.TryGet(token ^ (1UL << 32), out _));
        Assert.False(slots.TryGet(ulong.MaxValue, out _));
    }

    [Fact]
    public void Remove_all_hands_back_every_held_value_and_frees_the_slots()
    {
        var slots = new GenerationSlots<string>(4);
        var a = slots.Add("a");
        var b = slots.Add("b");
        var c = slots.Add("c");
        slots.TryRemove(b, out _);

        var removed = new List<string>();
        slots.RemoveAll(removed);

        Assert.Equal(["a", "c"], removed);
        Assert.Equal(0, slots.Count);
        Assert.False(slots.TryGet(a, out _));
        Assert.False(slots.TryGet(c, out _));

        // All three slots are free again: three more fit without growing.
        for (var i = 0; i < 4; i++)
        {
            slots.Add("d");
        }

        Assert.Equal(4, slots.Capacity);
    }
}
