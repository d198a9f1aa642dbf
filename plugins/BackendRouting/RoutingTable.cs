using System.Text.RegularExpressions;
using FrontDoor.Core.Hooks;
using FrontDoor.Plugins.BackendRouting.Directory;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Plugins.BackendRouting;

/// <summary>
/// The validated routing rules: first match in document order wins, then the default. Rules name backends
/// or pools of Core's <see cref="BackendCatalog"/>; Core picks a pool's member. &lt;route&gt; and
/// &lt;directory&gt; rules are interleaved as written (Core's <c>frontDoor:routing:elementOrder</c> key keeps
/// that order, which the configuration's XML reader loses across element names).
/// </summary>
internal sealed record RoutingTable(IReadOnlyList<RouteRule> Rules, IReadOnlyList<DirectorySettings> Directories, IReadOnlyList<RoutingStep> Steps, string? Default)
{
    public RoutingTable(IReadOnlyList<RouteRule> rules, string? fallback)
        : this(rules, [], [.. rules.Select(r => new RoutingStep(r, -1))], fallback)
    {
    }

    private static readonly string[] MatchAttributes = ["user", "domain", "pattern", "regex"];

    /// <summary>Reads &lt;routing&gt; against the backends it may name.</summary>
    public static RoutingTable Read(IConfigurationSection routing, BackendCatalog backends)
    {
        string? fallback = null;
        if (routing["default"] is { } defaultName)
        {
            fallback = Lookup(backends, defaultName, $"<routing default=\"{defaultName}\">");
        }

        var rules = ConfigElements.Of(routing.GetSection("route")).Select(e => ReadRule(e, backends)).ToList();
        var directories = ConfigElements.Of(routing.GetSection("directory")).Select(e => DirectorySettings.Read(e, backends)).ToList();
        return new RoutingTable(rules, directories, Order(routing["elementOrder"], rules, directories.Count), fallback);
    }

    /// <summary>The static rules only, directory rules skipped (what a table without &lt;directory&gt; answers).</summary>
    public RouteResult Route(string login)
    {
        var name = LoginName.Parse(login);
        foreach (var rule in Rules)
        {
            if (rule.Matches(name))
            {
                return Result(rule);
            }
        }

        return DefaultResult;
    }

    /// <summary>
    /// Every rule in document order; <paramref name="directories"/> are the running &lt;directory&gt; rules,
    /// by position. Completes at once until the first directory rule is reached.
    /// </summary>
    public ValueTask<RouteResult> RouteAsync(string login, IReadOnlyList<DirectoryRule> directories, CancellationToken cancellationToken)
    {
        var name = LoginName.Parse(login);
        for (var i = 0; i < Steps.Count; i++)
        {
            if (Steps[i].Route is not { } rule)
            {
                return ContinueAsync(login, name, i, directories, cancellationToken);
            }

            if (rule.Matches(name))
            {
                return ValueTask.FromResult(Result(rule));
            }
        }

        return ValueTask.FromResult(DefaultResult);
    }

    private async ValueTask<RouteResult> ContinueAsync(string login, LoginName name, int from, IReadOnlyList<DirectoryRule> directories, CancellationToken cancellationToken)
    {
        for (var i = from; i < Steps.Count; i++)
        {
            var step = Steps[i];
            if (step.Route is { } rule)
            {
                if (rule.Matches(name))
                {
                    return Result(rule);
                }

                continue;
            }

            var result = await directories[step.Directory].RouteAsync(login, cancellationToken).ConfigureAwait(false);
            if (result.Kind != RouteKind.NotMine)
            {
                return result;
            }
        }

        return DefaultResult;
    }

    private RouteResult DefaultResult => Default is null ? RouteResult.NotMine : RouteResult.To(Default);

    private static RouteResult Result(RouteRule rule) =>
        rule.Referral is { } referral ? RouteResult.ReferTo(referral) : RouteResult.To(rule.Backend!);

    /// <summary>
    /// The rules as written: the n-th "route" of <paramref name="elementOrder"/> is the n-th &lt;route&gt;.
    /// Without the key (a configuration not read from FrontDoor.config), routes come first, then directories.
    /// </summary>
    private static List<RoutingStep> Order(string? elementOrder, List<RouteRule> rules, int directories)
    {
        var steps = new List<RoutingStep>(rules.Count + directories);
        int nextRoute = 0, nextDirectory = 0;
        foreach (var element in (elementOrder ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (element == "route" && nextRoute < rules.Count)
            {
                steps.Add(new RoutingStep(rules[nextRoute++], -1));
            }
            else if (element == "directory" && nextDirectory < directories)
            {
                steps.Add(new RoutingStep(null, nextDirectory++));
            }
        }

        steps.AddRange(rules.Skip(nextRoute).Select(r => new RoutingStep(r, -1)));
        steps.AddRange(Enumerable.Range(nextDirectory, directories - nextDirectory).Select(d => new RoutingStep(null, d)));
        return steps;
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
