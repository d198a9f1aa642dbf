using FrontDoor.Core.Hooks;
using FrontDoor.Core.Sessions;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Core.Hosting;

/// <summary>The core's part of FrontDoor.config, validated once at start-up.</summary>
internal sealed record FrontDoorOptions(IReadOnlyList<ListenerOptions> Listeners, string PluginDirectory, SessionLimits Limits)
{
    public static FrontDoorOptions Read(IConfiguration configuration, string baseDirectory)
    {
        var root = configuration.GetSection("frontDoor");
        if (!root.Exists())
        {
            throw new FrontDoorConfigurationException("<frontDoor>: the element is missing");
        }

        var listeners = new List<ListenerOptions>();
        foreach (var element in ConfigElements.Of(root.GetSection("listeners:listener")))
        {
            var where = ConfigElements.Describe("listener", element);
            var name = element["name"] ?? "imap";
            var endpoint = ConfigElements.ParseListenEndpoint(ConfigElements.Required(element, "listener", "endpoint"), $"{where} endpoint");
            var tls = ConfigElements.OneOf(element, "listener", "tls", "none", "none", "starttls", "implicit");
            if (tls != "none")
            {
                throw new FrontDoorConfigurationException($"{where} tls=\"{tls}\": TLS listeners are not available in this build; use tls=\"none\" behind a TLS terminator");
            }

            if (listeners.Exists(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new FrontDoorConfigurationException($"{where}: a listener with that name already exists");
            }

            listeners.Add(new ListenerOptions(name, endpoint, ListenerTls.None));
        }

        if (listeners.Count == 0)
        {
            throw new FrontDoorConfigurationException("<listeners>: no <listener> element; FrontDoor would accept no one");
        }

        var pluginDirectory = root["plugins:directory"] ?? "plugins";
        pluginDirectory = Path.GetFullPath(Path.Combine(baseDirectory, pluginDirectory));
        return new FrontDoorOptions(listeners, pluginDirectory, new SessionLimits());
    }
}
