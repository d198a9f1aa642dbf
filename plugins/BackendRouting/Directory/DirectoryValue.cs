using System.Text;
using FrontDoor.Core.Hooks;

namespace FrontDoor.Plugins.BackendRouting.Directory;

/// <summary>
/// What one routing-attribute value means: a backend or pool by &lt;map&gt;, by its own name, or (Active
/// Directory's msExchHomeServerName, an X.500 DN like <c>/o=Org/ou=.../cn=Servers/cn=EX01</c>) by its last
/// <c>cn=</c>. Values the directory should never hold (very long, control characters) are refused.
/// </summary>
internal static class DirectoryValue
{
    /// <summary>Longer than any host name or X.500 server DN; a directory value past it is refused, not parsed.</summary>
    public const int MaxLength = 1024;

    public static bool IsAcceptable(string value) =>
        value.Length is > 0 and <= MaxLength && !value.Any(char.IsControl);

    /// <summary>The backend or pool name the value means, or null when nothing maps it.</summary>
    public static string? Resolve(string value, IReadOnlyDictionary<string, string> map, BackendCatalog backends)
    {
        var trimmed = value.Trim();
        if (Lookup(trimmed, map, backends) is { } direct)
        {
            return direct;
        }

        return LastCommonName(trimmed) is { } cn ? Lookup(cn, map, backends) : null;
    }

    /// <summary>The value of the last <c>cn=</c> of an X.500 (<c>/o=../cn=X</c>) or LDAP (<c>cn=X,ou=..</c>: the first, most specific) DN.</summary>
    public static string? LastCommonName(string dn)
    {
        if (dn.StartsWith('/'))
        {
            var last = dn.LastIndexOf("/cn=", StringComparison.OrdinalIgnoreCase);
            return last >= 0 && last + 4 < dn.Length ? dn[(last + 4)..] : null;
        }

        if (dn.StartsWith("cn=", StringComparison.OrdinalIgnoreCase))
        {
            var comma = dn.IndexOf(',', StringComparison.Ordinal);
            return comma > 3 ? dn[3..comma] : dn.Length > 3 ? dn[3..] : null;
        }

        return null;
    }

    /// <summary>A value safe to log: at most 64 characters, control characters as \xNN, with its length.</summary>
    public static string ForLog(string value)
    {
        var shown = new StringBuilder();
        foreach (var c in value.AsSpan(0, Math.Min(value.Length, 64)))
        {
            if (char.IsControl(c))
            {
                shown.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                shown.Append(c);
            }
        }

        return value.Length > 64 ? $"{shown}... ({value.Length} characters)" : shown.ToString();
    }

    private static string? Lookup(string value, IReadOnlyDictionary<string, string> map, BackendCatalog backends)
    {
        if (map.TryGetValue(value, out var mapped))
        {
            return mapped;
        }

        if (backends.Backend(value) is { } backend)
        {
            return backend.Name;
        }

        return backends.Pools.TryGetValue(value, out var pool) ? pool.Name : null;
    }
}
