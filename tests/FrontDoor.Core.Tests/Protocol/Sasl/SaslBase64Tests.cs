using FrontDoor.Core.Protocol.Sasl;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol.Sasl;

public class SaslBase64Tests
{
    [Fact]
    public void An_equals_sign_is_the_empty_response()
    {
        Assert.True(SaslBase64.TryDecode("="u8, out var decoded));
        Assert.Empty(decoded);
    }

    [Fact]
    public void Decodes_base64() =>
        Assert.True(SaslBase64.TryDecode("AGFsaWNlAHNlY3JldA=="u8, out var decoded) && decoded.SequenceEqual("\0alice\0secret"u8.ToArray()));

    [Theory]
    [InlineData("AGFsaWNlAHNlY3JldA")]
    [InlineData("!!!!")]
    [InlineData("AQ==AQ==")]
    public void Refuses_what_is_not_base64(string line) => Assert.False(SaslBase64.TryDecode(System.Text.Encoding.ASCII.GetBytes(line), out _));
}
