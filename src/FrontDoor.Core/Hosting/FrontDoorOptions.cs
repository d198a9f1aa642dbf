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

        var listeners = ListenerReader.Read(root.GetSection("listeners"), baseDirectory);
        var limits = LimitsReader.Read(root.GetSection("limits"));
        var pluginDirectory = root["plugins:directory"] ?? "plugins";
        pluginDirectory = Path.GetFullPath(Path.Combine(baseDirectory, pluginDirectory));
        return new FrontDoorOptions(listeners, pluginDirectory, limits);
    }
}
