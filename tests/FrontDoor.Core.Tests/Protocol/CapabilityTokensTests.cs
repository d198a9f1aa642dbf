using System.Text;
using FrontDoor.Core.Protocol;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>Capability lists parsed for different sessions share their token strings, and keep their text.</summary>
public class CapabilityTokensTests
{
    [Fact]
    public void Equal_tokens_from_two_responses_are_one_string()
    {
        var first = CapabilityResponse.Parse("IMAP4rev1 LITERAL+ X-FRONTDOOR-TEST-1"u8);
        var second = CapabilityResponse.Parse("IMAP4rev1 LITERAL+ X-FRONTDOOR-TEST-1"u8);
        Assert.Equal(first, second);
        Assert.All(first.Zip(second), pair => Assert.Same(pair.First, pair.Second));
    }

    [Fact]
    public void A_token_keeps_its_exact_text_and_case()
    {
        Assert.Equal("x-Mixed-Case=1", CapabilityTokens.Get("x-Mixed-Case=1"u8));
        Assert.Equal("X-MIXED-CASE=1", CapabilityTokens.Get("X-MIXED-CASE=1"u8));
        var longToken = new string('A', 300);
        Assert.Equal(longToken, CapabilityTokens.Get(Encoding.ASCII.GetBytes(longToken)));
    }
}
