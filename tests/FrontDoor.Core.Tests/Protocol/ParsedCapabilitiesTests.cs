using System.Buffers;
using System.Text;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>A backend's capability lists, parsed once per distinct list and shared read-only between sessions.</summary>
public class ParsedCapabilitiesTests
{
    [Fact]
    public void The_same_bytes_give_the_same_list_and_other_bytes_another()
    {
        var first = ParsedCapabilities.Get("IMAP4rev1 LITERAL+ IDLE X-PARSED-TEST-1"u8);
        var again = ParsedCapabilities.Get(Encoding.ASCII.GetBytes("IMAP4rev1 LITERAL+ IDLE X-PARSED-TEST-1"));
        var other = ParsedCapabilities.Get("IMAP4rev1 IDLE X-PARSED-TEST-1"u8);

        Assert.Same(first, again);
        Assert.NotSame(first, other);
        Assert.Equal(["IMAP4rev1", "LITERAL+", "IDLE", "X-PARSED-TEST-1"], first);
        Assert.Equal(["IMAP4rev1", "IDLE", "X-PARSED-TEST-1"], other);
    }

    [Fact]
    public void A_shared_list_refuses_changes_and_its_clone_takes_them()
    {
        var shared = ParsedCapabilities.Get("IMAP4rev1 STARTTLS AUTH=PLAIN X-PARSED-TEST-2"u8);

        Assert.True(shared.IsReadOnly);
        Assert.Throws<InvalidOperationException>(() => shared.Add("IDLE"));
        Assert.Throws<InvalidOperationException>(() => shared.Remove("STARTTLS"));
        Assert.Throws<InvalidOperationException>(() => shared.RemovePrefix("AUTH="));

        var copy = shared.Clone();
        copy.Remove("STARTTLS");
        copy.RemovePrefix("AUTH=");
        copy.Add("IDLE");
        Assert.False(copy.IsReadOnly);
        Assert.Equal(["IMAP4rev1", "X-PARSED-TEST-2", "IDLE"], copy);
        Assert.Equal(["IMAP4rev1", "STARTTLS", "AUTH=PLAIN", "X-PARSED-TEST-2"], shared);
    }

    [Fact]
    public void A_list_is_written_as_ascii_tokens_separated_by_spaces()
    {
        var set = new CapabilitySet(["IMAP4rev1", "AUTH=PLAIN", "LITERAL+"]);
        var output = new ArrayBufferWriter<byte>();

        set.WriteTo(output);

        Assert.Equal("IMAP4rev1 AUTH=PLAIN LITERAL+", Encoding.ASCII.GetString(output.WrittenSpan));
        Assert.Equal(set.ToString(), Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Every_slot_may_be_taken_over_and_each_value_still_matches_its_bytes()
    {
        // More distinct lists than the cache has slots: whatever was evicted is parsed again, never mixed up.
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 200; i++)
            {
                var list = ParsedCapabilities.Get(Encoding.ASCII.GetBytes($"IMAP4rev1 X-SLOT-{i}"));
                Assert.Equal(["IMAP4rev1", $"X-SLOT-{i}"], list);
            }
        }
    }
}
