using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FrontDoor.Plugins.LiteralPlusCompat;

/// <summary>
/// Literal compatibility for legacy backends. This is the plugin's shell: it loads and reads its switch;
/// the capability filter and the literal-synchronizing rewriter are the LiteralPlusCompat issue's work.
/// </summary>
public sealed class LiteralPlusCompatPlugin : IFrontDoorPlugin
{
    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _ = ConfigElements.Boolean(configuration["DisableLiteralPlus"], "<appSettings> DisableLiteralPlus", fallback: false);
    }
}
