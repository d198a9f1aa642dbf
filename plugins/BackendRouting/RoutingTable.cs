using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Plugins.BackendRouting;

/// <summary>One &lt;route&gt;: exactly one of user or domain, and the backend it leads to.</summary>
internal sealed record RouteRule(string? User, string? Domain, BackendTarget Backend)
{
    public bool Matches(string user, string? domain) =>
        User is not null
            ? string.Equals(User, user, StringComparison.OrdinalIgnoreCase)
            : domain is not null && string.Equals(Domain, domain, StringComparison.OrdinalIgnoreCase);
}

/// <summary>The validated routing rules: first match wins, then the default.</summary>
internal sealed record RoutingTable(IReadOnlyList<RouteRule> Rules, BackendTarget? Default, IReadOnlyDictionary<string, BackendTarget> Backends)
{
    public static RoutingTable Read(IConfiguration configuration)
    {
        var root = configuration.GetSection("frontDoor");
        var backends = BackendReader.Read(root.GetSection("backends"));
        var routing = root.GetSection("routing");

        BackendTarget? fallback = null;
        if (routing["default"] is { } defaultName)
        {
            fallback = Lookup(backends, defaultName, $"<routing default=\"{defaultName}\">");
        }

        var rules = new List<RouteRule>();
        foreach (var element in ConfigElements.Of(routing.GetSection("route")))
        {
            var user = element["user"];
            var domain = element["domain"];
            var backendName = element["backend"];
            var where = $"<route{(user is null ? string.Empty : $" user=\"{user}\"")}{(domain is null ? string.Empty : $" domain=\"{domain}\"")}>";
            if ((user is null) == (domain is null))
            {
                throw new FrontDoorConfigurationException($"{where}: give exactly one of user or domain");
            }

            if (string.IsNullOrWhiteSpace(backendName))
            {
                throw new FrontDoorConfigurationException($"{where}: attribute backend is missing");
            }

            rules.Add(new RouteRule(user?.Trim(), domain?.Trim().TrimStart('@'), Lookup(backends, backendName, $"{where} backend=\"{backendName}\"")));
        }

        return new RoutingTable(rules, fallback, backends);
    }

    public BackendTarget? Route(string user)
    {
        var at = user.LastIndexOf('@');
        var domain = at >= 0 ? user[(at + 1)..] : null;
        foreach (var rule in Rules)
        {
            if (rule.Matches(user, domain))
            {
                return rule.Backend;
            }
        }

        return Default;
    }

    private static BackendTarget Lookup(IReadOnlyDictionary<string, BackendTarget> backends, string name, string where) =>
        backends.TryGetValue(name.Trim(), out var backend)
            ? backend
            : throw new FrontDoorConfigurationException($"{where}: no <backend> has that name");
}
