using FrontDoor.Core.Backends;
using FrontDoor.Core.Protocol.Sasl;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol.Sasl;

/// <summary>The OAuth decoders over hostile messages: an answer every time (Ok, Bad or No), never an exception.</summary>
public class SaslDecoderProperties
{
    private static bool AnswersSanely(ISaslDecoder mechanism, byte[] message)
    {
        var copy = (byte[])message.Clone();
        var result = mechanism.Decode([copy]);
        switch (result.Status)
        {
            case SaslStatus.Ok:
                // Only a message that ends with its closing separators, with a user and a token, gets through.
                var token = Assert.IsType<TokenCredentials>(result.Credentials);
                return token.User.Length > 0 && token.TokenLength > 0 && message.AsSpan().EndsWith(new byte[] { 1, 1 })
                    && token.Message.SequenceEqual(message);
            case SaslStatus.Bad or SaslStatus.No:
                return result.Text.Length > 0 && result.Credentials is null;
            default:
                return false;
        }
    }

    [Fact]
    public void Oauthbearer_answers_every_message() =>
        Prop.ForAll(OAuthMessages.Message.ToArbitrary(), m => AnswersSanely(OAuthBearerMechanism.Instance, m))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(3000));

    [Fact]
    public void Xoauth2_answers_every_message() =>
        Prop.ForAll(OAuthMessages.Message.ToArbitrary(), m => AnswersSanely(XOAuth2Mechanism.Instance, m))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
}
