using System.Globalization;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Plugins.BackendRouting.Directory;

/// <summary>One validated &lt;directory&gt; element: where the directory is, how to search it, and how long to trust an answer.</summary>
internal sealed record DirectorySettings
{
    public required IReadOnlyList<Uri> Servers { get; init; }

    public bool StartTls { get; init; }

    public string? CaFile { get; init; }

    public string? BindDn { get; init; }

    /// <summary>The password, read from bindPassword or bindPasswordFile; never logged or described.</summary>
    public string? BindPassword { get; init; }

    public required string Base { get; init; }

    public required LdapFilter Filter { get; init; }

    public string Attribute { get; init; } = "mailHost";

    public TimeSpan CacheTime { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan NegativeCacheTime { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan StaleTime { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    public bool Watch { get; init; }

    /// <summary>
    /// The GeneralizedTime attribute the watch compares: OpenLDAP's operational modifyTimestamp, or Active
    /// Directory's whenChanged (AD's modifyTimeStamp is constructed and cannot be searched on).
    /// </summary>
    public string ChangedAttribute { get; init; } = "modifyTimestamp";

    /// <summary>How often a watching node asks for entries changed since its last look.</summary>
    public TimeSpan WatchInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Attribute value (case-insensitive) → backend or pool name, as the catalog spells it.</summary>
    public required IReadOnlyDictionary<string, string> Map { get; init; }

    /// <summary>For messages: the element with its servers and base, never its credentials.</summary>
    public string Describe() => $"<directory server=\"{string.Join(' ', Servers)}\" base=\"{Base}\">";

    /// <summary><see cref="Describe"/>, computed once for log lines.</summary>
    public string Description => _description ??= Describe();

    private string? _description;

    public static DirectorySettings Read(IConfigurationSection element, BackendCatalog backends)
    {
        var servers = element["server"];
        var where = $"<directory server=\"{servers}\">";
        if (string.IsNullOrWhiteSpace(servers))
        {
            throw new FrontDoorConfigurationException("<directory>: attribute server is missing (LDAP URLs, e.g. ldap://10.0.0.5:389)");
        }

        var uris = servers.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => ParseServer(s, where)).ToList();
        var baseDn = element["base"];
        if (string.IsNullOrWhiteSpace(baseDn))
        {
            throw new FrontDoorConfigurationException($"{where}: attribute base is missing (the search base, e.g. ou=people,dc=example,dc=com)");
        }

        var filter = LdapFilter.Parse((element["filter"] ?? "(uid=%u)").Trim(), $"{where} filter");
        var caFile = Blank(element["caFile"]);
        if (caFile is not null && !File.Exists(caFile))
        {
            throw new FrontDoorConfigurationException($"{where} caFile=\"{caFile}\": no such file");
        }

        var cache = ConfigElements.Seconds(element, "directory", "cacheSeconds", TimeSpan.FromSeconds(60));
        return new DirectorySettings
        {
            Servers = uris,
            StartTls = ConfigElements.Boolean(element["startTls"], $"{where} startTls", false),
            CaFile = caFile,
            BindDn = Blank(element["bindDn"]),
            BindPassword = ReadPassword(element, where),
            Base = baseDn.Trim(),
            Filter = filter,
            Attribute = AttributeName(element, "attribute", "mailHost", where),
            CacheTime = cache,
            NegativeCacheTime = ConfigElements.Seconds(element, "directory", "negativeCacheSeconds", TimeSpan.FromSeconds(15)),
            StaleTime = ConfigElements.Seconds(element, "directory", "staleSeconds", TimeSpan.FromHours(1)),
            Timeout = ConfigElements.Seconds(element, "directory", "timeout", TimeSpan.FromSeconds(5)),
            Watch = ConfigElements.Boolean(element["watch"], $"{where} watch", false),
            WatchInterval = ConfigElements.Seconds(element, "directory", "watchSeconds", TimeSpan.FromSeconds(1)),
            ChangedAttribute = AttributeName(element, "changedAttribute", "modifyTimestamp", where),
            Map = ReadMap(element, backends, where),
        };
    }

    private static Uri ParseServer(string value, string where)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "ldap" or "ldaps" && uri.Host.Length > 0)
        {
            return uri;
        }

        throw new FrontDoorConfigurationException($"{where}: \"{value}\" is not an ldap:// or ldaps:// URL");
    }

    private static string? ReadPassword(IConfigurationSection element, string where)
    {
        var inline = element["bindPassword"];
        var file = Blank(element["bindPasswordFile"]);
        if (inline is not null && file is not null)
        {
            throw new FrontDoorConfigurationException($"{where}: give bindPassword or bindPasswordFile, not both");
        }

        if (file is null)
        {
            return inline;
        }

        try
        {
            // One line; a trailing newline from an editor or `echo` is not part of the password.
            return File.ReadAllText(file).TrimEnd('\r', '\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FrontDoorConfigurationException($"{where} bindPasswordFile=\"{file}\": cannot be read ({ex.GetType().Name})", ex);
        }
    }

    private static Dictionary<string, string> ReadMap(IConfigurationSection element, BackendCatalog backends, string where)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in ConfigElements.Of(element.GetSection("map")))
        {
            var value = entry["value"];
            var backend = entry["backend"];
            var at = $"{where} <map value=\"{value}\" backend=\"{backend}\">";
            if (string.IsNullOrWhiteSpace(value) || string.IsNullOrWhiteSpace(backend))
            {
                throw new FrontDoorConfigurationException($"{at}: give both value and backend");
            }

            var name = backend.Trim();
            if (!backends.Contains(name))
            {
                throw new FrontDoorConfigurationException($"{at}: no <backend> or <pool> has that name");
            }

            if (!map.TryAdd(value.Trim(), backends.Backend(name)?.Name ?? backends.Pools[name].Name))
            {
                throw new FrontDoorConfigurationException($"{at}: that value is mapped twice");
            }
        }

        return map;
    }

    /// <summary>An attribute description's name (RFC 4512 section 1.4: a descriptor or a numeric OID), as it goes into filters.</summary>
    private static string AttributeName(IConfigurationSection element, string attribute, string fallback, string where)
    {
        var value = Blank(element[attribute]) ?? fallback;
        var descriptor = char.IsAsciiLetter(value[0]) && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
        var oid = char.IsAsciiDigit(value[0]) && value.All(c => char.IsAsciiDigit(c) || c == '.');
        return descriptor || oid
            ? value
            : throw new FrontDoorConfigurationException($"{where} {attribute}=\"{value}\": not an LDAP attribute name");
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    public static string Seconds(TimeSpan time) => time.TotalSeconds.ToString(CultureInfo.InvariantCulture);
}
