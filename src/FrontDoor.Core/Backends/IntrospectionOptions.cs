namespace FrontDoor.Core.Backends;

/// <summary>
/// A listener's <c>oauthIntrospection</c>: FrontDoor checks each token at this RFC 7662 endpoint before it
/// connects to a backend, authenticating as <c>oauthClientId</c> / <c>oauthClientSecret</c> when given.
/// </summary>
internal sealed record IntrospectionOptions(Uri Endpoint, string? ClientId, string? ClientSecret)
{
    /// <summary>How many positive answers are kept at most (each until its token's <c>exp</c>).</summary>
    public int MaxCached { get; init; } = 10_000;

    /// <summary>How long one introspection request may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}
