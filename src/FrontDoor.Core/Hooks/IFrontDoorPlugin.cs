using Microsoft.Extensions.DependencyInjection;

namespace FrontDoor.Core.Hooks;

/// <summary>
/// The entry point of a plugin DLL. The host creates one instance of every public, non-abstract
/// implementation it finds in <c>plugins/&lt;Name&gt;/&lt;Name&gt;.dll</c> and calls it before the container is built.
/// </summary>
public interface IFrontDoorPlugin
{
    /// <summary>
    /// The element under &lt;frontDoor&gt; that configures the plugin, e.g. "routing" for
    /// &lt;frontDoor&gt;&lt;routing&gt;; null (the default) means &lt;frontDoor&gt;&lt;plugins&gt;&lt;Name&gt;, Name being the plugin's folder.
    /// </summary>
    string? ConfigSection => null;

    /// <summary>Registers the plugin's hooks. Throw <see cref="FrontDoorConfigurationException"/> for a bad config value.</summary>
    void ConfigureServices(IServiceCollection services, PluginContext context);
}
