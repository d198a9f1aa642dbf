using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FrontDoor.IntegrationTests.Servers;

/// <summary>
/// A private, real Courier-IMAP server (Debian's courier-imap 5.0.13, unpacked by scripts/install-courier.sh,
/// never apt-installed since it conflicts with dovecot-imapd) on a free loopback port, with its own users,
/// maildirs, config and log in a temporary directory: a legacy backend that does NOT advertise LITERAL+.
/// Plain IMAP, LOGIN and AUTHENTICATE PLAIN. Started and stopped by scripts/courier-instance.sh (needs root:
/// each instance runs in its own mount + PID namespace); several may run at once. Dispose to stop it and
/// delete its directory.
/// </summary>
/// <remarks>
/// Courier's ways worth knowing in tests: folders are "INBOX.Name" (separator '.'); a command pipelined
/// behind LOGIN in the same write is lost (imaplogin execs imapd); a failed LOGIN is answered after 5 s;
/// a message APPENDed to the selected mailbox shows up only after a NOOP (or a new SELECT); messages are
/// stored with LF line ends and given back with CRLF, so only CRLF messages that end in CRLF come back
/// byte-exact; 8-bit header bytes get an "* OK [ALERT] ... Unicode" unless the client sent ENABLE UTF8=ACCEPT.
/// Sent "{N+}", it answers "tag NO Error in IMAP command received by server." and runs the literal's
/// lines as commands.
/// </remarks>
public sealed class CourierServer : IAsyncDisposable
{
    /// <summary>Prefix of every personal folder but INBOX itself (NAMESPACE (("INBOX." "."))).</summary>
    public const string FolderPrefix = "INBOX.";

    /// <summary>Hierarchy separator.</summary>
    public const char Separator = '.';


    // the first start may download and unpack the Debian packages (a few seconds)
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(120);

    private readonly string[] _userSpecs;
    private int _disposed;

    private CourierServer(string directory, int port, IReadOnlyDictionary<string, string> users, string[] userSpecs)
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

    /// <summary>The instance directory: etc/ (authdaemonrc, imapd, userdb), courier.log, mail/&lt;user&gt;/Maildir.</summary>
    public string Directory { get; }

    public IReadOnlyDictionary<string, string> Users { get; }

    /// <summary>Courier's log (connections, logins, errors): worth attaching to a failing test's output.</summary>
    public string LogPath => Path.Combine(Directory, "courier.log");

    /// <summary>
    /// Starts a server that knows <paramref name="users"/> (user name → plain password). User names may
    /// hold '@' and dots, not whitespace, '/' or '|'; passwords anything but line breaks.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not Linux, not root, Courier could not be unpacked, or it did not start.</exception>
    public static async Task<CourierServer> StartAsync(IReadOnlyDictionary<string, string> users, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(users);
        if (users.Count == 0)
        {
            throw new ArgumentException("At least one user is needed.", nameof(users));
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new InvalidOperationException("Courier-IMAP instances run on Linux only (Debian packages, namespaces).");
        }

        var userSpecs = users.Select(pair => pair.Key + ":" + pair.Value).ToArray();
        var directory = System.IO.Directory.CreateTempSubdirectory("fd-courier-").FullName;
        try
        {
            var port = await InstanceScript.Courier.StartAsync(directory, userSpecs, fixedPort: null, ct);
            return new CourierServer(directory, port, new Dictionary<string, string>(users), userSpecs);
        }
        catch
        {
            await InstanceScript.Courier.DestroyQuietlyAsync(directory);
            throw;
        }
    }

    /// <summary>The maildir of <paramref name="user"/> (cur/new/tmp exist from the start; folder X is .X inside).</summary>
    public string MaildirOf(string user)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        return Path.Combine(Directory, "mail", user, "Maildir");
    }

    /// <summary>Courier's log so far, or an empty string.</summary>
    public string ReadLog() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : string.Empty;

    /// <summary>
    /// Stops the server: each logged-in client gets "* BYE Courier-IMAP server shut down by signal." and is
    /// disconnected; returns when every process is gone. Mail and settings stay for <see cref="RestartAsync"/>.
    /// </summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await InstanceScript.Courier.RunCheckedAsync("stop", Directory, ct);
    }

    /// <summary>Kills every process of the server at once, like a crash: connections close without a BYE.</summary>
    public async Task KillAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await InstanceScript.Courier.RunCheckedAsync("kill", Directory, ct);
    }

    /// <summary>Starts the server again on the same port with the same users and mail (restarts it if running).</summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await InstanceScript.Courier.StartAsync(Directory, _userSpecs, Port, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await InstanceScript.Courier.DestroyQuietlyAsync(Directory);
    }
}
