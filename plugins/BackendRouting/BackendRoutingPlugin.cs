using System.Diagnostics.Metrics;
using FrontDoor.Core.Hooks;
using FrontDoor.Plugins.BackendRouting.Directory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Plugins.BackendRouting;

/// <summary>Routes users to the backends and pools of FrontDoor.config by its &lt;routing&gt; rules (&lt;route&gt; and &lt;directory&gt;).</summary>
public sealed class BackendRoutingPlugin : IFrontDoorPlugin
{
    public string? ConfigSection => "routing";

    public void ConfigureServices(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // Read now, so a bad route stops start-up with one clear line.
        var router = new ConfiguredRouter(RoutingTable.Read(context.Configuration.Section, context.Configuration.Backends), context.Configuration.Backends);
        context.OnReload(configuration =>
        {
            var table = RoutingTable.Read(configuration.Section, configuration.Backends);
            return () => router.Use(table, configuration.Backends);
        });
        services.AddSingleton<IBackendRouter>(sp =>
        {
            var loggers = sp.GetRequiredService<ILoggerFactory>();
            router.Logger = loggers.CreateLogger("FrontDoor.Routing");
            router.Start(DirectoryServices.Create(
                sp.GetRequiredService<TimeProvider>(), loggers, sp.GetRequiredService<ISessionRegistry>(), sp.GetRequiredService<IMeterFactory>()));
            return router;
        });
    }
}
