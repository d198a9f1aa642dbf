using System.Xml;
using System.Xml.Linq;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Core.Hosting;

/// <summary>
/// Reads <c>&lt;appSettings&gt;&lt;add key="..." value="..." /&gt;</c> as flat keys, exactly as the .NET
/// Framework (and so Exchange's config files) did: <c>DisableLiteralPlus</c>, not <c>appSettings:add:0:value</c>.
/// </summary>
internal sealed class AppSettingsConfigurationSource : FileConfigurationSource
{
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new AppSettingsConfigurationProvider(this);
    }
}

internal sealed class AppSettingsConfigurationProvider : FileConfigurationProvider
{
    public AppSettingsConfigurationProvider(AppSettingsConfigurationSource source) : base(source) { }

    public override void Load(Stream stream)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        XDocument document;
        try
        {
            document = XDocument.Load(stream);
        }
        catch (XmlException ex)
        {
            throw new FrontDoorConfigurationException($"{Source.Path}: not well-formed XML: {ex.Message}", ex);
        }

        var adds = document.Root?.Element("appSettings")?.Elements("add") ?? [];
        foreach (var add in adds)
        {
            var key = add.Attribute("key")?.Value;
            if (string.IsNullOrWhiteSpace(key))
            {
                throw new FrontDoorConfigurationException("<appSettings><add>: attribute key is missing");
            }

            data[key.Trim()] = add.Attribute("value")?.Value ?? string.Empty;
        }

        Data = data;
    }
}
