using System.Text;
using System.Text.Unicode;

namespace FrontDoor.Core.Protocol.Sasl;

/// <summary>The LOGIN mechanism (draft-murchison-sasl-login): user name, then password, each after its prompt.</summary>
internal sealed class LoginMechanism : ISaslDecoder
{
    public static readonly LoginMechanism Instance = new();

    // "Username:" and "Password:" in base64, the prompts clients expect.
    private const string PasswordPrompt = "UGFzc3dvcmQ6";

    public string Name => "LOGIN";

    public string FirstChallenge => "VXNlcm5hbWU6";

    public SaslResult Decode(IReadOnlyList<byte[]> responses)
    {
        switch (responses.Count)
        {
            case 0:
                return SaslResult.NeedMore(FirstChallenge);
            case 1:
                return Utf8.IsValid(responses[0]) ? SaslResult.NeedMore(PasswordPrompt) : SaslResult.Bad("Malformed LOGIN user name");
            default:
                return SaslResult.Ok(new LoginCredentials(Encoding.UTF8.GetString(responses[0]), responses[1], authorizationId: null));
        }
    }
}
