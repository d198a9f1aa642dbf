using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Plugins.LiteralPlusCompat;

/// <summary>What the config asks of this plugin, validated at start-up so a typo stops FrontDoor.</summary>
internal sealed record LiteralPlusSettings(bool DisableLiteralPlus)
{
    public const string PolicyAttribute = "literalPlus";
    public const string AdvertiseAttribute = "advertiseLiteralPlus";

    public static LiteralPlusSettings Read(IConfiguration configuration)
    {
        var disable = ConfigElements.Boolean(configuration["DisableLiteralPlus"], "<appSettings> <add key=\"DisableLiteralPlus\"> value", fallback: false);
        foreach (var backend in ConfigElements.Of(configuration.GetSection("frontDoor:backends:backend")))
        {
            ConfigElements.OneOf(backend, "backend", PolicyAttribute, "auto", "auto", "synchronize", "passthrough");
            ConfigElements.Boolean(backend[AdvertiseAttribute], $"{ConfigElements.Describe("backend", backend)} {AdvertiseAttribute}", fallback: false);
        }

        return new LiteralPlusSettings(disable);
    }
}
