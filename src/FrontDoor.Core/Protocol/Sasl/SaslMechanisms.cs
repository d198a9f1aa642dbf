namespace FrontDoor.Core.Protocol.Sasl;

/// <summary>The SASL mechanisms FrontDoor can read before login, by name; a listener offers a subset.</summary>
internal static class SaslMechanisms
{
    public static readonly IReadOnlyList<ISaslDecoder> All =
        [PlainMechanism.Instance, LoginMechanism.Instance, OAuthBearerMechanism.Instance, XOAuth2Mechanism.Instance];

    /// <summary>What a listener offers without <c>saslMechanisms</c>: the password mechanisms.</summary>
    public static readonly IReadOnlyList<string> Default = ["PLAIN", "LOGIN"];

    public static ISaslDecoder? Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
}
