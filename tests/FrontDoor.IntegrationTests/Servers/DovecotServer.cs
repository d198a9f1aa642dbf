namespace FrontDoor.IntegrationTests.Servers;

/// <summary>
/// A private, real Dovecot IMAP server (Debian's dovecot-imapd) on a free loopback port, with its own
/// users, maildirs, sockets and log in a temporary directory. Plain IMAP, LOGIN / AUTHENTICATE PLAIN
/// allowed, LITERAL+ advertised (Dovecot's default). Started and stopped by scripts/dovecot-instance.sh;
/// several may run at once. Dispose to stop it and delete its directory. Stopping sends each client
/// "* BYE Server shutting down.".
/// </summary>
public sealed class DovecotServer : InstanceServer
{
    private const string DovecotBinary = "/usr/sbin/dovecot";

    private DovecotServer(string directory, int port, IReadOnlyDictionary<string, string> users, string[] userSpecs)
        : base(InstanceScript.Dovecot, "dovecot.log", directory, port, users, userSpecs)
    {
    }

    /// <summary>
    /// Starts a server that knows <paramref name="users"/> (user name → plain password). User names may
    /// hold '@' and dots, not whitespace or '/'.
    /// </summary>
    /// <exception cref="InvalidOperationException">Dovecot is not installed, or it did not start.</exception>
    public static Task<DovecotServer> StartAsync(IReadOnlyDictionary<string, string> users, CancellationToken ct = default) =>
        StartAsync(users, extraConfig: null, ct);

    /// <summary>As <see cref="StartAsync(IReadOnlyDictionary{string, string}, CancellationToken)"/>, with Dovecot settings that override the defaults (e.g. TLS).</summary>
    public static Task<DovecotServer> StartAsync(IReadOnlyDictionary<string, string> users, string? extraConfig, CancellationToken ct = default) =>
        StartAsync(users, extraConfig, oauth2Introspection: null, ct);

    /// <summary>
    /// With <paramref name="oauth2Introspection"/>, the server also takes AUTHENTICATE OAUTHBEARER and XOAUTH2
    /// (Dovecot's oauth2 passdb, scripts/dovecot-instance.sh --oauth2), checking tokens at that RFC 7662 URL.
    /// </summary>
    public static Task<DovecotServer> StartAsync(IReadOnlyDictionary<string, string> users, string? extraConfig, Uri? oauth2Introspection, CancellationToken ct = default)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(DovecotBinary))
        {
            throw new InvalidOperationException(
                $"Dovecot is not installed ({DovecotBinary} not found). Run ./test.sh, which installs it " +
                "(or scripts/install-deps.sh as root: apt-get install dovecot-imapd).");
        }

        return StartInstanceAsync(
            InstanceScript.Dovecot,
            "fd-dovecot-",
            users,
            extraConfig is null && oauth2Introspection is null ? null : async directory =>
            {
                if (extraConfig is not null)
                {
                    await File.WriteAllTextAsync(Path.Combine(directory, "extra.conf"), extraConfig, ct);
                }

                if (oauth2Introspection is not null)
                {
                    // What "start --oauth2 URL" keeps for every later start of the instance.
                    await File.WriteAllTextAsync(Path.Combine(directory, "oauth2-url"), oauth2Introspection.AbsoluteUri + "\n", ct);
                }
            },
            (directory, port, copy, specs) => new DovecotServer(directory, port, copy, specs),
            ct);
    }
}
