using System.Xml;
using System.Xml.Linq;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Core.Hosting;

/// <summary>
/// Keeps what Microsoft.Extensions.Configuration's XML reader loses: the document order of differently named
/// sibling elements. &lt;routing&gt; holds &lt;route&gt; and &lt;directory&gt; rules tried first match first,
/// so the key <c>frontDoor:routing:elementOrder</c> lists its children's names as written
/// ("route directory route"); the n-th "route" in it is the n-th element of <c>frontDoor:routing:route</c>.
/// </summary>
internal sealed class ElementOrderConfigurationSource : FileConfigurationSource
{
    public const string RoutingOrderKey = "frontDoor:routing:elementOrder";

    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new ElementOrderConfigurationProvider(this);
    }
}

internal sealed class ElementOrderConfigurationProvider : FileConfigurationProvider
{
    public ElementOrderConfigurationProvider(ElementOrderConfigurationSource source) : base(source) { }

    public override void Load(Stream stream)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        try
        {
            var routing = XDocument.Load(stream).Root?.Element("frontDoor")?.Element("routing");
            if (routing is not null)
            {
                data[ElementOrderConfigurationSource.RoutingOrderKey] = string.Join(' ', routing.Elements().Select(e => e.Name.LocalName));
            }
        }
        catch (XmlException)
        {
            // The XML source reports a file that does not parse; this one adds nothing to it.
        }

        Data = data;
    }
}
