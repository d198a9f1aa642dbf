using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Plugins.BackendRouting;

/// <summary>Routes users to the backends of FrontDoor.config's &lt;backends&gt; by its &lt;routing&gt; rules.</summary>
public sealed class BackendRoutingPlugin : IFrontDoorPlugin
{
    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        // Read now, so a bad route stops start-up with one clear line.
        var table = RoutingTable.Read(configuration);
        services.AddSingleton<IBackendRouter>(sp => new ConfiguredRouter(
            configuration, table, sp.GetRequiredService<ILoggerFactory>().CreateLogger("FrontDoor.Routing")));
    }
}
