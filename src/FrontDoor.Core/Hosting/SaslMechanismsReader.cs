using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol.Sasl;

namespace FrontDoor.Core.Hosting;

/// <summary>Reads a listener's <c>saslMechanisms="PLAIN LOGIN OAUTHBEARER XOAUTH2"</c>.</summary>
internal static class SaslMechanismsReader
{
    public static IReadOnlyList<string> Read(string? value, string where)
    {
        if (value is null)
        {
            return SaslMechanisms.Default;
        }

        var names = new List<string>();
        foreach (var word in value.Split([' ', ',', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            var mechanism = SaslMechanisms.Find(word)
                ?? throw new FrontDoorConfigurationException(
                    $"{where} saslMechanisms=\"{value}\": \"{word}\" is not one of {string.Join(", ", SaslMechanisms.All.Select(m => m.Name))}");
            if (!names.Contains(mechanism.Name))
            {
                names.Add(mechanism.Name);
            }
        }

        // An empty list is allowed: LOGIN (the command) stays, AUTHENTICATE offers nothing.
        return names;
    }
}
