using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FrontDoor.Core.Hooks;

/// <summary>
/// The entry point of a plugin DLL. The host creates one instance of every public, non-abstract
/// implementation it finds in <c>plugins/&lt;Name&gt;/&lt;Name&gt;.dll</c> and calls it before the container is built.
/// </summary>
public interface IFrontDoorPlugin
{
    /// <summary>Registers the plugin's hooks. Throw <see cref="FrontDoorConfigurationException"/> for a bad config value.</summary>
    void ConfigureServices(IServiceCollection services, IConfiguration configuration);
}
