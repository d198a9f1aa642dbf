using System.Buffers;
using System.Text;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>Finding and rewriting capability lists in response lines (RFC 9051 sections 7.2.2 and 7.1).</summary>
public class CapabilityResponseTests
{
    [Theory]
    [InlineData("* CAPABILITY IMAP4rev1 LITERAL+ IDLE", "IMAP4rev1 LITERAL+ IDLE")]
    [InlineData("* capability imap4rev1 idle", "imap4rev1 idle")]
    [InlineData("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Dovecot ready.", "IMAP4rev1 AUTH=PLAIN")]
    [InlineData("* PREAUTH [CAPABILITY IMAP4rev2] welcome", "IMAP4rev2")]
    [InlineData("a1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in", "IMAP4rev1 IDLE")]
    [InlineData("a1 ok [capability IDLE] done", "IDLE")]
    [InlineData("* BYE [CAPABILITY IMAP4rev1] going", "IMAP4rev1")]
    [InlineData("* CAPABILITY", "")]
    public void Capability_lists_are_found_in_data_and_in_status_codes(string line, string expected)
    {
        var bytes = Encoding.ASCII.GetBytes(line);
        Assert.True(CapabilityResponse.TryLocate(bytes, out var tokens));
        Assert.Equal(expected, Encoding.ASCII.GetString(bytes.AsSpan()[tokens]));
    }

    [Theory]
    [InlineData("* 1 FETCH (BODY[] {5}")]
    [InlineData("* OK [READ-WRITE] [CAPABILITY IDLE] not the code")]
    [InlineData("* OK [CAPABILITY IMAP4rev1 unterminated")]
    [InlineData("a1 OK CAPABILITY completed")]
    [InlineData("* LIST () \"/\" CAPABILITY")]
    [InlineData("+ CAPABILITY")]
    [InlineData("*")]
    [InlineData("")]
    public void Other_lines_carry_no_capability_list(string line)
    {
        Assert.False(CapabilityResponse.TryLocate(Encoding.ASCII.GetBytes(line), out _));
    }

    [Fact]
    public void Parsing_keeps_order_drops_duplicates_and_compares_without_case()
    {
        var set = CapabilityResponse.Parse("IMAP4rev1  LITERAL+ idle IDLE X-LITERAL+FOO"u8);
        Assert.Equal(["IMAP4rev1", "LITERAL+", "idle", "X-LITERAL+FOO"], set);
        Assert.True(set.Contains("literal+"));
        Assert.True(set.Remove("LITERAL+"));
        Assert.True(set.Contains("X-LITERAL+FOO"));
    }

    [Theory]
    [InlineData("* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN] ready", "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready")]
    [InlineData("* CAPABILITY IMAP4rev1 literal+ IDLE LITERAL-", "* CAPABILITY IMAP4rev1 IDLE LITERAL-")]
    [InlineData("a1 OK [CAPABILITY IMAP4rev1 LITERAL+] Logged in", "a1 OK [CAPABILITY IMAP4rev1] Logged in")]
    public void Rewriting_replaces_only_the_token_list(string line, string expected)
    {
        var bytes = Encoding.ASCII.GetBytes(line);
        Assert.True(CapabilityResponse.TryLocate(bytes, out var tokens));
        var set = CapabilityResponse.Parse(bytes.AsSpan()[tokens]);
        set.Remove("LITERAL+");

        var output = new ArrayBufferWriter<byte>();
        CapabilityResponse.WriteRewritten(output, bytes, tokens, set);
        Assert.Equal(expected + "\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void An_empty_data_response_gets_its_separating_space_back()
    {
        var bytes = "* CAPABILITY"u8.ToArray();
        Assert.True(CapabilityResponse.TryLocate(bytes, out var tokens));
        var output = new ArrayBufferWriter<byte>();
        CapabilityResponse.WriteRewritten(output, bytes, tokens, new CapabilitySet(["IMAP4rev1"]));
        Assert.Equal("* CAPABILITY IMAP4rev1\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }
}
