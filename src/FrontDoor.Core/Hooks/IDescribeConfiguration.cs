namespace FrontDoor.Core.Hooks;

/// <summary>
/// Optional, for any service a plugin registers (a hook such as an <see cref="IBackendRouter"/>, or a service
/// registered as this interface itself): says what the plugin made of FrontDoor.config, for
/// <c>FrontDoor check-config</c>. Called rarely; must be thread-safe and
/// describe the state in force now (after a reload, the new one).
/// </summary>
public interface IDescribeConfiguration
{
    ConfigurationDescription Describe();
}

/// <summary>What one plugin service made of the config. Every part is optional.</summary>
public sealed record ConfigurationDescription
{
    /// <summary>Who describes, e.g. the plugin's name; shown as the heading of <see cref="Lines"/>.</summary>
    public required string Source { get; init; }

    /// <summary>The routing table, when this service routes users.</summary>
    public RoutingDescription? Routing { get; init; }

    /// <summary>Anything else worth showing an operator, one line each.</summary>
    public IReadOnlyList<string> Lines { get; init; } = [];
}

/// <summary>Routes in the order they are tried, then the default.</summary>
/// <param name="Routes">First match wins.</param>
/// <param name="DefaultBackend">The backend of users no route matches; null when they are refused.</param>
public sealed record RoutingDescription(IReadOnlyList<RouteDescription> Routes, string? DefaultBackend);

/// <summary>One route as written.</summary>
/// <param name="Kind">What it matches on, e.g. "user", "domain", "pattern" or "regex".</param>
/// <param name="Value">The value it matches.</param>
/// <param name="Backend">The backend it sends the user to, or null for a referral.</param>
/// <param name="Referral">The imap:// URL the user is referred to, or null.</param>
public sealed record RouteDescription(string Kind, string Value, string? Backend, string? Referral);
