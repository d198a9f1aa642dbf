namespace FrontDoor.Core.Sessions;

/// <summary>Sizes and times every session keeps to. Validated when the config is read.</summary>
internal sealed record SessionLimits
{
    /// <summary>The longest command line (without literals) a client may send.</summary>
    public int MaxCommandLineLength { get; init; } = 64 * 1024;

    /// <summary>
    /// The longest response line a backend may send (long SEARCH results are single lines). A line is held
    /// whole until its end, so this is also what one session's backend may make FrontDoor buffer.
    /// </summary>
    public int MaxResponseLineLength { get; init; } = 16 * 1024 * 1024;

    /// <summary>The largest literal accepted before login (LOGIN, AUTHENTICATE, ID arguments).</summary>
    public int MaxPreAuthLiteral { get; init; } = 64 * 1024;

    /// <summary>How long a client may stay connected without logging in.</summary>
    public TimeSpan PreAuthTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>On stop, how long a session may take to finish the command in flight before its BYE.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Failed logins allowed on one connection before it is closed.</summary>
    public int MaxFailedLogins { get; init; } = 10;

    /// <summary>Logged-in sessions of one user at once, over all listeners; 0 for no cap.</summary>
    public int MaxConnectionsPerUser { get; init; }

    /// <summary>The delay before answering a failed login, doubled for each further failure from the same address.</summary>
    public TimeSpan AuthFailureDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The most a failed login from one address is delayed.</summary>
    public TimeSpan MaxAuthFailureDelay { get; init; } = TimeSpan.FromSeconds(15);
}
