using FrontDoor.Core.Backends;
using FrontDoor.Core.Protocol.Sasl;
using Xunit;
using static FrontDoor.Core.Tests.Protocol.Sasl.SaslTestData;

namespace FrontDoor.Core.Tests.Protocol.Sasl;

public class PlainMechanismTests
{
    private static readonly PlainMechanism Plain = PlainMechanism.Instance;

    [Fact]
    public void Without_a_response_it_asks_with_an_empty_challenge()
    {
        var result = Plain.Decode([]);
        Assert.Equal(SaslStatus.NeedMore, result.Status);
        Assert.Equal(string.Empty, result.Text);
    }

    [Fact]
    public void Reads_user_and_password()
    {
        var result = Decode(Plain, "\0alice\0secret");
        Assert.Equal(SaslStatus.Ok, result.Status);
        var credentials = Assert.IsType<LoginCredentials>(result.Credentials);
        Assert.Equal("alice", credentials.User);
        Assert.Equal("secret"u8.ToArray(), credentials.Password);
        Assert.Null(credentials.AuthorizationId);
    }

    [Fact]
    public void Keeps_an_authzid_that_differs_from_the_user()
    {
        var credentials = Assert.IsType<LoginCredentials>(Decode(Plain, "shared\0alice\0secret").Credentials);
        Assert.Equal("shared", credentials.AuthorizationId);
        Assert.Null(Assert.IsType<LoginCredentials>(Decode(Plain, "alice\0alice\0secret").Credentials).AuthorizationId);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("\0alice")]
    [InlineData("\0alice\0secret\0more")]
    [InlineData("\0al\u00ffice\0secret")]
    public void Malformed_is_bad(string message) => Assert.Equal(SaslStatus.Bad, Decode(Plain, message).Status);

    [Fact]
    public void The_password_may_hold_any_octet_but_nul()
    {
        var credentials = Assert.IsType<LoginCredentials>(Decode(Plain, "\0alice\0p\u00ffw").Credentials);
        Assert.Equal(new byte[] { (byte)'p', 0xFF, (byte)'w' }, credentials.Password);
    }
}
