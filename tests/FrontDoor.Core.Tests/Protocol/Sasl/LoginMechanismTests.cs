using FrontDoor.Core.Backends;
using FrontDoor.Core.Protocol.Sasl;
using Xunit;
using static FrontDoor.Core.Tests.Protocol.Sasl.SaslTestData;

namespace FrontDoor.Core.Tests.Protocol.Sasl;

public class LoginMechanismTests
{
    private static readonly LoginMechanism Login = LoginMechanism.Instance;

    [Fact]
    public void Asks_for_the_user_name_then_the_password()
    {
        Assert.Equal("VXNlcm5hbWU6", Login.FirstChallenge);
        Assert.Equal(new SaslResult(SaslStatus.NeedMore, null, "VXNlcm5hbWU6"), Login.Decode([]));
        var second = Decode(Login, "alice");
        Assert.Equal(SaslStatus.NeedMore, second.Status);
        Assert.Equal("UGFzc3dvcmQ6", second.Text);
    }

    [Fact]
    public void Reads_user_and_password()
    {
        var credentials = Assert.IsType<LoginCredentials>(Decode(Login, "alice", "secret").Credentials);
        Assert.Equal("alice", credentials.User);
        Assert.Equal("secret"u8.ToArray(), credentials.Password);
    }

    [Fact]
    public void A_user_name_that_is_not_utf8_is_bad() => Assert.Equal(SaslStatus.Bad, Decode(Login, "al\u00ffice").Status);
}
