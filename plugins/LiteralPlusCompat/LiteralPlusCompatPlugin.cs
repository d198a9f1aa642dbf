using FrontDoor.Core.Hooks;
using Microsoft.Extensions.DependencyInjection;

namespace FrontDoor.Plugins.LiteralPlusCompat;

/// <summary>
/// Literal compatibility for legacy backends: hides LITERAL+ where it must, and turns the client's
/// non-synchronizing literals into synchronizing ones for backends that cannot take them (RFC 7888).
/// Switched by appSettings DisableLiteralPlus (all backends) and per backend by literalPlus and
/// advertiseLiteralPlus.
/// </summary>
public sealed class LiteralPlusCompatPlugin : IFrontDoorPlugin
{
    public void ConfigureServices(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.AddBackendValidator(new LiteralPlusValidator());
        var policy = new LiteralPolicy(LiteralPlusSettings.Read(context.Configuration));
        context.OnReload(configuration =>
        {
            var settings = LiteralPlusSettings.Read(configuration);
            return () => policy.Settings = settings;
        });
        services.AddSingleton(policy);
        services.AddSingleton<ICapabilityFilter>(new LiteralCapabilityFilter(policy));
        services.AddSingleton<ICommandRewriter>(new LiteralSynchronizer(policy));
    }
}
