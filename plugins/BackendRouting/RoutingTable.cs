using System.Text.RegularExpressions;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Plugins.BackendRouting;

/// <summary>
/// The validated routing rules: first match in document order wins, then the default. Rules name backends
/// or pools of Core's <see cref="BackendCatalog"/>; Core picks a pool's member.
/// </summary>
internal sealed record RoutingTable(IReadOnlyList<RouteRule> Rules, string? Default)
{
    private static readonly string[] MatchAttributes = ["user", "domain", "pattern", "regex"];

    /// <summary>Reads &lt;routing&gt; against the backends it may name.</summary>
    public static RoutingTable Read(IConfigurationSection routing, BackendCatalog backends)
    {
        string? fallback = null;
        if (routing["default"] is { } defaultName)
        {
            fallback = Lookup(backends, defaultName, $"<routing default=\"{defaultName}\">");
        }

        var rules = new List<RouteRule>();
        foreach (var element in ConfigElements.Of(routing.GetSection("route")))
        {
            rules.Add(ReadRule(element, backends));
        }

        return new RoutingTable(rules, fallback);
    }

    public RouteResult Route(string login)
    {
        var name = LoginName.Parse(login);
        foreach (var rule in Rules)
        {
            if (rule.Matches(name))
            {
                return rule.Referral is { } referral ? RouteResult.ReferTo(referral) : RouteResult.To(rule.Backend!);
            }
        }

        return Default is null ? RouteResult.NotMine : RouteResult.To(Default);
    }

    private static RouteRule ReadRule(IConfigurationSection element, BackendCatalog backends)
    {
        var given = MatchAttributes.Where(a => element[a] is not null).ToList();
        var where = "<route" + string.Concat(given.Select(a => $" {a}=\"{element[a]}\"")) + ">";
        if (given.Count != 1)
        {
            throw new FrontDoorConfigurationException($"{where}: give exactly one of user, domain, pattern or regex");
        }

        var attribute = given[0];
        var value = element[attribute]!.Trim();
        var backendName = element["backend"];
        var referral = element["referral"];
        if ((backendName is null) == (referral is null))
        {
            throw new FrontDoorConfigurationException($"{where}: give exactly one of backend or referral");
        }

        if (referral is not null && !referral.StartsWith("imap://", StringComparison.OrdinalIgnoreCase))
        {
            throw new FrontDoorConfigurationException($"{where} referral=\"{referral}\": expected an imap:// URL (RFC 2221)");
        }

        var backend = backendName is null ? null : Lookup(backends, backendName, $"{where} backend=\"{backendName}\"");
        return attribute switch
        {
            "user" => new RouteRule(RuleKind.User, value.ToLowerInvariant(), null, backend, referral),
            "domain" => new RouteRule(RuleKind.Domain, value.TrimStart('@').ToLowerInvariant(), null, backend, referral),
            "pattern" => new RouteRule(RuleKind.Pattern, value, RouteRule.Wildcard(value.ToLowerInvariant()), backend, referral),
            _ => new RouteRule(RuleKind.Regex, value, ParseRegex(value, where), backend, referral),
        };
    }

    private static Regex ParseRegex(string value, string where)
    {
        try
        {
            return RouteRule.Expression(value);
        }
        catch (ArgumentException ex)
        {
            throw new FrontDoorConfigurationException($"{where}: not a valid regular expression: {ex.Message}", ex);
        }
    }

    /// <summary>The name as the catalog spells it; a name no backend or pool has stops start-up (or refuses the reload).</summary>
    private static string Lookup(BackendCatalog backends, string name, string where)
    {
        var trimmed = name.Trim();
        if (backends.Backend(trimmed) is { } backend)
        {
            return backend.Name;
        }

        return backends.Pools.TryGetValue(trimmed, out var pool)
            ? pool.Name
            : throw new FrontDoorConfigurationException($"{where}: no <backend> or <pool> has that name");
    }
}
