using FrontDoor.Core.Backends;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Core.Hosting;

/// <summary>Reads <c>oauthIntrospection</c>, <c>oauthClientId</c> and <c>oauthClientSecret</c> on a &lt;listener&gt;.</summary>
internal static class IntrospectionOptionsReader
{
    public static IntrospectionOptions? Read(IConfigurationSection element, string where)
    {
        var value = element["oauthIntrospection"];
        if (string.IsNullOrWhiteSpace(value))
        {
            return element["oauthClientId"] is null && element["oauthClientSecret"] is null
                ? null
                : throw new FrontDoorConfigurationException($"{where}: oauthClientId and oauthClientSecret need oauthIntrospection=\"https://...\"");
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var endpoint)
            || !(endpoint.Scheme == Uri.UriSchemeHttps || (endpoint.Scheme == Uri.UriSchemeHttp && endpoint.IsLoopback)))
        {
            // RFC 7662 section 4: tokens go to the endpoint, so only over TLS (plain HTTP only on this machine).
            throw new FrontDoorConfigurationException($"{where} oauthIntrospection=\"{value}\": expected an https:// URL (http:// only on loopback)");
        }

        var clientId = element["oauthClientId"];
        var clientSecret = element["oauthClientSecret"];
        if ((clientId is null) != (clientSecret is null))
        {
            throw new FrontDoorConfigurationException($"{where} oauthIntrospection=\"{value}\": give both oauthClientId and oauthClientSecret, or neither");
        }

        return new IntrospectionOptions(endpoint, clientId, clientSecret);
    }
}
