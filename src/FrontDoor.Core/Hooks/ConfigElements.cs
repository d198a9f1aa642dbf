using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Core.Hooks;

/// <summary>
/// Reading FrontDoor.config as Microsoft.Extensions.Configuration sees it: one element is a section of
/// attributes, several are keyed by their name attribute or by their position. Errors name the element.
/// </summary>
public static class ConfigElements
{
    /// <summary>
    /// The elements under <paramref name="section"/> (e.g. frontDoor:routing:route), in document order
    /// for unnamed elements, whether there is one or many.
    /// </summary>
    public static IReadOnlyList<IConfigurationSection> Of(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            return [];
        }

        // A single element: its children are attributes (they carry values).
        if (children.Exists(c => c.Value is not null))
        {
            return [section];
        }

        return [.. children.OrderBy(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : int.MaxValue)];
    }

    /// <summary>Describes an element for error messages: &lt;backend name="legacy"&gt;.</summary>
    public static string Describe(string element, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var name = section["name"];
        return name is null ? $"<{element}>" : $"<{element} name=\"{name}\">";
    }

    public static string Required(IConfigurationSection section, string element, string attribute)
    {
        ArgumentNullException.ThrowIfNull(section);
        var value = section[attribute];
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new FrontDoorConfigurationException($"{Describe(element, section)}: attribute {attribute} is missing");
        }

        return value.Trim();
    }

    /// <summary>Parses "host:port" or "[v6]:port".</summary>
    public static BackendEndpoint ParseEndpoint(string value, string where)
    {
        ArgumentNullException.ThrowIfNull(value);
        var trimmed = value.Trim();
        var colon = trimmed.LastIndexOf(':');
        if (colon > 0 && int.TryParse(trimmed[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
        {
            var host = trimmed[..colon].Trim('[', ']');
            if (host.Length > 0)
            {
                return new BackendEndpoint(host, port);
            }
        }

        throw new FrontDoorConfigurationException($"{where}=\"{value}\": expected host:port");
    }

    /// <summary>Parses an address:port to listen on; port 0 picks a free port.</summary>
    public static IPEndPoint ParseListenEndpoint(string value, string where)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (IPEndPoint.TryParse(value.Trim(), out var endpoint))
        {
            return endpoint;
        }

        throw new FrontDoorConfigurationException($"{where}=\"{value}\": expected an IP address and port, e.g. 127.0.0.1:1143");
    }

    /// <summary>Parses a number of seconds (fractions allowed), or returns the default when absent.</summary>
    public static TimeSpan Seconds(IConfigurationSection section, string element, string attribute, TimeSpan fallback)
    {
        ArgumentNullException.ThrowIfNull(section);
        var value = section[attribute];
        if (value is null)
        {
            return fallback;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds < 1e7)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        throw new FrontDoorConfigurationException($"{Describe(element, section)} {attribute}=\"{value}\": expected a positive number of seconds");
    }

    /// <summary>Parses one of the allowed words (case-insensitive), or returns the default when absent.</summary>
    public static string OneOf(IConfigurationSection section, string element, string attribute, string fallback, params string[] allowed)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(allowed);
        var value = section[attribute];
        if (value is null)
        {
            return fallback;
        }

        var match = Array.Find(allowed, a => string.Equals(a, value.Trim(), StringComparison.OrdinalIgnoreCase));
        return match ?? throw new FrontDoorConfigurationException(
            $"{Describe(element, section)} {attribute}=\"{value}\": expected one of {string.Join(", ", allowed)}");
    }

    public static bool Boolean(string? value, string where, bool fallback)
    {
        if (value is null)
        {
            return fallback;
        }

        return bool.TryParse(value.Trim(), out var result)
            ? result
            : throw new FrontDoorConfigurationException($"{where}=\"{value}\": expected true or false");
    }
}
