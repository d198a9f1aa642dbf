using FrontDoor.Core.Backends;
using FrontDoor.Core.Protocol.Sasl;
using Xunit;
using static FrontDoor.Core.Tests.Protocol.Sasl.SaslTestData;

namespace FrontDoor.Core.Tests.Protocol.Sasl;

public class OAuthBearerMechanismTests
{
    private static readonly OAuthBearerMechanism Bearer = OAuthBearerMechanism.Instance;

    // RFC 7628 section 4.1, with the user as authzid.
    private const string Rfc7628Example = "n,a=user@example.com,\u0001host=server.example.com\u0001port=143\u0001auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\u0001\u0001";

    [Fact]
    public void Without_a_response_it_asks_with_an_empty_challenge() => Assert.Equal(SaslStatus.NeedMore, Bearer.Decode([]).Status);

    [Fact]
    public void Reads_the_user_from_the_gs2_authzid_and_keeps_the_message_whole()
    {
        var result = Decode(Bearer, Rfc7628Example);
        Assert.Equal(SaslStatus.Ok, result.Status);
        var token = Assert.IsType<TokenCredentials>(result.Credentials);
        Assert.Equal("user@example.com", token.User);
        Assert.Equal("OAUTHBEARER", token.Mechanism);
        Assert.Equal(Bytes(Rfc7628Example), token.Message);
        Assert.Equal("vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="u8.ToArray(), token.Token.ToArray());
        Assert.Equal("AUTHENTICATE OAUTHBEARER <token, 42 octets>", token.TraceText);
        Assert.DoesNotContain("vF9", token.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("n,a=a=2Cb=3Dc,\u0001auth=Bearer x\u0001\u0001", "a,b=c")]
    [InlineData("y,a=bob,\u0001auth=bearer   x.y-z~\u0001\u0001", "bob")]
    [InlineData("F,n,a=bob,\u0001auth=Bearer x\u0001\u0001", "bob")]
    [InlineData("n,a=j\u00c3\u00b6rg,\u0001auth=Bearer x\u0001\u0001", "jörg")]
    public void Reads_every_form_the_rfcs_allow(string message, string user) =>
        Assert.Equal(user, Decode(Bearer, message).Credentials!.User);

    [Theory]
    [InlineData("n,,\u0001auth=Bearer x\u0001\u0001")]
    public void Without_a_user_it_is_no_since_nothing_can_be_routed(string message)
    {
        var result = Decode(Bearer, message);
        Assert.Equal(SaslStatus.No, result.Status);
        Assert.StartsWith("[AUTHENTICATIONFAILED]", result.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("n,a=bob,auth=Bearer x")] // no \x01 at all
    [InlineData("n,a=bob,\u0001auth=Bearer x\u0001")] // no closing \x01
    [InlineData("n,a=bob,\u0001auth=Bearer x")] // pair not ended
    [InlineData("n,a=bob,\u0001auth=Bearer x\u0001\u0001extra")]
    [InlineData("p=tls-unique,a=bob,\u0001auth=Bearer x\u0001\u0001")] // channel binding
    [InlineData("x,a=bob,\u0001auth=Bearer x\u0001\u0001")]
    [InlineData("n,a=bob\u0001auth=Bearer x\u0001\u0001")] // header not ended by ','
    [InlineData("n,a=bob,c=d,\u0001auth=Bearer x\u0001\u0001")]
    [InlineData("n,u=bob,\u0001auth=Bearer x\u0001\u0001")]
    [InlineData("n,a=,\u0001auth=Bearer x\u0001\u0001")]
    [InlineData("n,a=b=ob,\u0001auth=Bearer x\u0001\u0001")] // '=' not =2C or =3D
    [InlineData("n,a=b\u00ffob,\u0001auth=Bearer x\u0001\u0001")] // not UTF-8
    [InlineData("n,a=bob,\u0001\u0001")] // no auth
    [InlineData("n,a=bob,\u0001auth=Basic x\u0001\u0001")]
    [InlineData("n,a=bob,\u0001auth=Bearer \u0001\u0001")]
    [InlineData("n,a=bob,\u0001auth=Bearer a b\u0001\u0001")]
    [InlineData("n,a=bob,\u0001auth=Bearer x\u0001auth=Bearer y\u0001\u0001")]
    [InlineData("n,a=bob,\u0001=v\u0001auth=Bearer x\u0001\u0001")]
    [InlineData("n,a=bob,\u0001k1=v\u0001auth=Bearer x\u0001\u0001")]
    [InlineData("n,a=bob,\u0001host=\u00ff\u0001auth=Bearer x\u0001\u0001")]
    [InlineData("\u0001")] // the dummy response, on its own
    [InlineData("")]
    public void Malformed_is_bad(string message)
    {
        var result = Decode(Bearer, message);
        Assert.Equal(SaslStatus.Bad, result.Status);
        Assert.StartsWith("Malformed OAUTHBEARER response: ", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_64_KB_token_is_read()
    {
        var token = new string('A', 64 * 1024);
        var result = Decode(Bearer, $"n,a=bob,\u0001auth=Bearer {token}\u0001\u0001");
        Assert.Equal(64 * 1024, Assert.IsType<TokenCredentials>(result.Credentials).TokenLength);
    }

    [Fact]
    public void Dispose_wipes_the_token()
    {
        var credentials = Assert.IsType<TokenCredentials>(Decode(Bearer, Rfc7628Example).Credentials);
        var message = credentials.Message;
        credentials.Dispose();
        Assert.All(message, b => Assert.Equal(0, b));
    }
}
