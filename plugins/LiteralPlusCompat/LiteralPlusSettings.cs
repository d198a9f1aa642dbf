using FrontDoor.Core.Hooks;

namespace FrontDoor.Plugins.LiteralPlusCompat;

/// <summary>What appSettings asks of this plugin: DisableLiteralPlus, for every backend and client.</summary>
internal sealed record LiteralPlusSettings(bool DisableLiteralPlus)
{
    public const string PolicyAttribute = "literalPlus";
    public const string AdvertiseAttribute = "advertiseLiteralPlus";

    public static LiteralPlusSettings Read(PluginConfiguration configuration) =>
        new(ConfigElements.Boolean(configuration.AppSetting("DisableLiteralPlus"), "<appSettings> <add key=\"DisableLiteralPlus\"> value", fallback: false));
}

/// <summary>
/// Checks each backend's literalPlus and advertiseLiteralPlus at start-up and at every reload, so a typo
/// such as literalPlus="synchronise" is refused instead of read as auto (which, for a backend that
/// advertises LITERAL+ but mishandles it, would be passthrough).
/// </summary>
internal sealed class LiteralPlusValidator : IBackendValidator
{
    public void Validate(BackendTarget backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var where = $"<backend name=\"{backend.Name}\">";
        if (backend.Attribute(LiteralPlusSettings.PolicyAttribute) is { } policy
            && !(policy.Equals("auto", StringComparison.OrdinalIgnoreCase) || policy.Equals("synchronize", StringComparison.OrdinalIgnoreCase) || policy.Equals("passthrough", StringComparison.OrdinalIgnoreCase)))
        {
            throw new FrontDoorConfigurationException($"{where} {LiteralPlusSettings.PolicyAttribute}=\"{policy}\": expected one of auto, synchronize, passthrough");
        }

        ConfigElements.Boolean(backend.Attribute(LiteralPlusSettings.AdvertiseAttribute), $"{where} {LiteralPlusSettings.AdvertiseAttribute}", fallback: false);
    }
}
