namespace FrontDoor.Core.Hooks;

/// <summary>How FrontDoor talks TLS to a backend.</summary>
public enum BackendTlsMode
{
    None,
    StartTls,
    Implicit,
}

/// <summary>One host:port of a backend.</summary>
public sealed record BackendEndpoint(string Host, int Port)
{
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>
/// A backend as the router hands it to the connector. Immutable; a config reload builds new ones.
/// </summary>
public sealed record BackendTarget
{
    public required string Name { get; init; }

    /// <summary>The primary endpoint first, then the alternates, tried in order.</summary>
    public required IReadOnlyList<BackendEndpoint> Endpoints { get; init; }

    public BackendTlsMode Tls { get; init; } = BackendTlsMode.None;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan LoginTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the relay waits for the backend to answer a synchronizing literal with <c>+</c> or a completion.</summary>
    public TimeSpan ContinuationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Every attribute of the <c>&lt;backend&gt;</c> element, so plugins read their own policy (e.g. literalPlus).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>An attribute of the backend element, or null.</summary>
    public string? Attribute(string name) => Attributes.TryGetValue(name, out var value) ? value : null;
}
