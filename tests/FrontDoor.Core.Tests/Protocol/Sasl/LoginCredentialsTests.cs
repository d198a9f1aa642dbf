using System.Text;
using FrontDoor.Core.Protocol.Sasl;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol.Sasl;

/// <summary>The user name's octets a backend is sent: the LOGIN argument's own when valid UTF-8, else what <see cref="ClientCredentials.User"/> says.</summary>
public class LoginCredentialsTests
{
    [Fact]
    public void A_valid_utf8_argument_is_sent_as_it_came()
    {
        var argument = Encoding.UTF8.GetBytes("jörg");
        using var credentials = new LoginCredentials("jörg", argument, "secret"u8.ToArray());

        Assert.Same(argument, credentials.UserBytes());
    }

    [Fact]
    public void An_invalid_utf8_argument_is_sent_as_the_user_name_reads()
    {
        byte[] argument = [(byte)'j', 0xFF, (byte)'g'];
        var user = Encoding.UTF8.GetString(argument);
        using var credentials = new LoginCredentials(user, argument, "secret"u8.ToArray());

        Assert.Equal(Encoding.UTF8.GetBytes(user), credentials.UserBytes());
        Assert.NotEqual(argument, credentials.UserBytes());
    }
}
