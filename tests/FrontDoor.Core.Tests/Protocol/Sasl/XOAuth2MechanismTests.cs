using FrontDoor.Core.Backends;
using FrontDoor.Core.Protocol.Sasl;
using Xunit;
using static FrontDoor.Core.Tests.Protocol.Sasl.SaslTestData;

namespace FrontDoor.Core.Tests.Protocol.Sasl;

public class XOAuth2MechanismTests
{
    private static readonly XOAuth2Mechanism XOAuth2 = XOAuth2Mechanism.Instance;

    // Google's documented example.
    private const string Example = "user=someuser@example.com\u0001auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\u0001\u0001";

    [Fact]
    public void Reads_user_and_token_and_keeps_the_message_whole()
    {
        var token = Assert.IsType<TokenCredentials>(Decode(XOAuth2, Example).Credentials);
        Assert.Equal("someuser@example.com", token.User);
        Assert.Equal("XOAUTH2", token.Mechanism);
        Assert.Equal(Bytes(Example), token.Message);
        Assert.Equal("ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"u8.ToArray(), token.Token.ToArray());
    }

    [Fact]
    public void The_pairs_may_come_in_any_order() =>
        Assert.Equal("bob", Decode(XOAuth2, "auth=Bearer x\u0001user=bob\u0001\u0001").Credentials!.User);

    [Theory]
    [InlineData("user=bob\u0001auth=Bearer x\u0001")]
    [InlineData("user=bob\u0001auth=Bearer x")]
    [InlineData("user=bob auth=Bearer x")]
    [InlineData("auth=Bearer x\u0001\u0001")] // no user
    [InlineData("user=\u0001auth=Bearer x\u0001\u0001")]
    [InlineData("user=b\u00ffob\u0001auth=Bearer x\u0001\u0001")]
    [InlineData("user=bo b\u0001auth=Bearer x\u0001\u0001")]
    [InlineData("user=bob\u0001user=eve\u0001auth=Bearer x\u0001\u0001")]
    [InlineData("user=bob\u0001\u0001")]
    [InlineData("user=bob\u0001auth=x\u0001\u0001")]
    [InlineData("")]
    public void Malformed_is_bad(string message)
    {
        var result = Decode(XOAuth2, message);
        Assert.Equal(SaslStatus.Bad, result.Status);
        Assert.StartsWith("Malformed XOAUTH2 response: ", result.Text, StringComparison.Ordinal);
    }
}
