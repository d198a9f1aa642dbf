using FrontDoor.Core.Hooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Plugins.BackendRouting;

/// <summary>Routes users to the backends and pools of FrontDoor.config by its &lt;routing&gt; rules.</summary>
public sealed class BackendRoutingPlugin : IFrontDoorPlugin
{
    public string? ConfigSection => "routing";

    public void ConfigureServices(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // Read now, so a bad route stops start-up with one clear line.
        var router = new ConfiguredRouter(RoutingTable.Read(context.Configuration.Section, context.Configuration.Backends));
        context.OnReload(configuration =>
        {
            var table = RoutingTable.Read(configuration.Section, configuration.Backends);
            return () => router.Use(table);
        });
        services.AddSingleton<IBackendRouter>(sp =>
        {
            router.Logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("FrontDoor.Routing");
            return router;
        });
    }
}
