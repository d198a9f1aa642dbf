using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FrontDoor.Admin;

/// <summary>Adds the admin endpoint to a FrontDoor host (off unless the config has &lt;admin&gt;).</summary>
public static class AdminServiceCollectionExtensions
{
    public static IServiceCollection AddFrontDoorAdmin(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        // Read when the host starts, so a bad <admin> stops start-up with its one-line error.
        services.AddSingleton(sp => new AdminOptionsHolder(AdminOptions.Read(sp.GetRequiredService<IConfiguration>(), AppContext.BaseDirectory)));
        services.AddSingleton<IDescribeConfiguration>(sp => new AdminDescription(sp.GetRequiredService<AdminOptionsHolder>().Options));
        services.AddSingleton<BackendStatistics>();
        services.AddSingleton<AdminQueries>();
        services.AddSingleton<AdminEndpointService>();
        services.AddHostedService(sp => sp.GetRequiredService<AdminEndpointService>());
        return services;
    }
}
