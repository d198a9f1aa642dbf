namespace FrontDoor.Core.Hooks;

/// <summary>How FrontDoor talks TLS to a backend.</summary>
public enum BackendTlsMode
{
    None,
    StartTls,
    Implicit,
}

/// <summary>How the client's own address reaches a backend.</summary>
public enum ClientAddressForwarding
{
    None,

    /// <summary>An RFC 2971 ID command with x-originating-ip and friends, as Dovecot accepts from trusted proxies.</summary>
    Id,

    /// <summary>A PROXY protocol v2 header before the backend's greeting.</summary>
    Proxy,
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

    /// <summary>How the backend's certificate is checked when <see cref="Tls"/> is not None.</summary>
    public BackendTlsValidation TlsValidation { get; init; } = new();

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan LoginTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the relay waits for the backend to answer a synchronizing literal with <c>+</c> or a completion.</summary>
    public TimeSpan ContinuationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A logged-in session with no traffic either way for this long is ended (RFC 9051 section 5.4: at least 30 minutes).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    public ClientAddressForwarding ForwardClientAddress { get; init; } = ClientAddressForwarding.None;

    /// <summary>The largest literal a client may send to this backend; null: the backend's APPENDLIMIT, if it has one.</summary>
    public long? MaxLiteralSize { get; init; }

    /// <summary>At most this many logged-in sessions on the backend at once; 0 for no cap.</summary>
    public int MaxSessions { get; init; }

    /// <summary>Consecutive connect failures on one endpoint that open its circuit breaker.</summary>
    public int BreakerFailures { get; init; } = 5;

    /// <summary>How long an open breaker sends logins straight to the next endpoint before it tries this one again.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Compress the FrontDoor-to-backend leg with COMPRESS=DEFLATE (RFC 4978) when the backend offers it (for backends across a WAN).</summary>
    public bool CompressBackend { get; init; }

    /// <summary>Every attribute of the <c>&lt;backend&gt;</c> element, so plugins read their own policy (e.g. literalPlus).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>An attribute of the backend element, or null.</summary>
    public string? Attribute(string name) => Attributes.TryGetValue(name, out var value) ? value : null;
}
