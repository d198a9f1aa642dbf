using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FrontDoor.IntegrationTests.Servers;

/// <summary>
/// A private, real Dovecot IMAP server (Debian's dovecot-imapd) on a free loopback port, with its own
/// users, maildirs, sockets and log in a temporary directory. Plain IMAP, LOGIN / AUTHENTICATE PLAIN
/// allowed, LITERAL+ advertised (Dovecot's default). Started and stopped by scripts/dovecot-instance.sh;
/// several may run at once. Dispose to stop it and delete its directory.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    private const string DovecotBinary = "/usr/sbin/dovecot";

    private readonly string[] _userSpecs;
    private int _disposed;

    private DovecotServer(string directory, int port, IReadOnlyDictionary<string, string> users, string[] userSpecs)
    {
        Directory = directory;
        Port = port;
        Users = users;
        _userSpecs = userSpecs;
    }

    /// <summary>Always the IPv4 loopback address: the server listens nowhere else.</summary>
    public string Host { get; } = "127.0.0.1";

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>The instance directory: dovecot.conf, users, dovecot.log, mail/&lt;user&gt;/Maildir.</summary>
    public string Directory { get; }

    public IReadOnlyDictionary<string, string> Users { get; }

    /// <summary>Dovecot's log (logins, errors): worth attaching to a failing test's output.</summary>
    public string LogPath => Path.Combine(Directory, "dovecot.log");

    /// <summary>
    /// Starts a server that knows <paramref name="users"/> (user name → plain password). User names may
    /// hold '@' and dots, not whitespace or '/'.
    /// </summary>
    /// <exception cref="InvalidOperationException">Dovecot is not installed, or it did not start.</exception>
    public static async Task<DovecotServer> StartAsync(IReadOnlyDictionary<string, string> users, CancellationToken ct = default) =>
        await StartAsync(users, extraConfig: null, ct);

    /// <summary>As <see cref="StartAsync(IReadOnlyDictionary{string, string}, CancellationToken)"/>, with Dovecot settings that override the defaults (e.g. TLS).</summary>
    public static async Task<DovecotServer> StartAsync(IReadOnlyDictionary<string, string> users, string? extraConfig, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(users);
        if (users.Count == 0)
        {
            throw new ArgumentException("At least one user is needed.", nameof(users));
        }

        EnsureInstalled();
        var userSpecs = users.Select(pair => pair.Key + ":" + pair.Value).ToArray();
        var directory = System.IO.Directory.CreateTempSubdirectory("fd-dovecot-").FullName;
        try
        {
            if (extraConfig is not null)
            {
                await File.WriteAllTextAsync(Path.Combine(directory, "extra.conf"), extraConfig, ct);
            }

            var port = await InstanceScript.Dovecot.StartAsync(directory, userSpecs, fixedPort: null, ct);
            return new DovecotServer(directory, port, new Dictionary<string, string>(users), userSpecs);
        }
        catch
        {
            await InstanceScript.Dovecot.DestroyQuietlyAsync(directory);
            throw;
        }
    }

    /// <summary>The maildir of <paramref name="user"/> (cur/new/tmp exist from the start).</summary>
    public string MaildirOf(string user)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        return Path.Combine(Directory, "mail", user, "Maildir");
    }

    /// <summary>Dovecot's log so far, or an empty string.</summary>
    public string ReadLog() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : string.Empty;

    /// <summary>
    /// Stops the server: each client gets "* BYE Server shutting down." and is disconnected; returns when every
    /// process is gone. Mail and settings stay for <see cref="RestartAsync"/>.
    /// </summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await InstanceScript.Dovecot.RunCheckedAsync("stop", Directory, ct);
    }

    /// <summary>Kills every process of the server at once, like a crash: connections close without a BYE.</summary>
    public async Task KillAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await InstanceScript.Dovecot.RunCheckedAsync("kill", Directory, ct);
    }

    /// <summary>Starts the server again on the same port with the same users and mail (restarts it if running).</summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await InstanceScript.Dovecot.StartAsync(Directory, _userSpecs, Port, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await InstanceScript.Dovecot.DestroyQuietlyAsync(Directory);
    }

    private static void EnsureInstalled()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(DovecotBinary))
        {
            throw new InvalidOperationException(
                $"Dovecot is not installed ({DovecotBinary} not found). Run ./test.sh, which installs it " +
                "(or scripts/install-deps.sh as root: apt-get install dovecot-imapd).");
        }
    }
}
