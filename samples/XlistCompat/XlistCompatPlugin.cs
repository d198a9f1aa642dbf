using FrontDoor.Core.Hooks;
using Microsoft.Extensions.DependencyInjection;

namespace FrontDoor.Samples.XlistCompat;

/// <summary>
/// XLIST for old clients in front of backends that no longer offer it. XLIST was Gmail's pre-standard way to
/// ask for a folder's role (Sent, Trash, ...); RFC 6154 replaced it with LIST and the SPECIAL-USE return
/// option, and servers dropped it, but some clients still send it when it is advertised. The plugin
/// advertises XLIST after login where the backend lacks it, sends the client's XLIST on as LIST, and gives
/// the answer's <c>* LIST</c> lines back as <c>* XLIST</c>.
/// Configured by <c>&lt;frontDoor&gt;&lt;plugins&gt;&lt;XlistCompat returnSpecialUse="true" /&gt;</c> and,
/// per backend, by <c>xlist="emulate|off"</c>.
/// </summary>
public sealed class XlistCompatPlugin : IFrontDoorPlugin
{
    // ConfigSection is left to its default: <frontDoor><plugins><XlistCompat .../>.
    public void ConfigureServices(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // Runs over every backend now (a bad value stops start-up) and again at every reload.
        context.AddBackendValidator(new XlistBackendValidator());

        var settings = new XlistSettingsHolder(XlistSettings.Read(context.Configuration.Section));
        context.OnReload(configuration =>
        {
            // Prepare only reads and validates; the returned action applies it once every plugin accepted.
            var next = XlistSettings.Read(configuration.Section);
            return () => settings.Current = next;
        });

        services.AddSingleton<ICapabilityFilter>(new XlistCapabilityFilter());
        services.AddSingleton<ICommandRewriter>(new XlistCommandRewriter(settings));
        services.AddSingleton<IResponseRewriter>(new XlistResponseRewriter());
    }
}
