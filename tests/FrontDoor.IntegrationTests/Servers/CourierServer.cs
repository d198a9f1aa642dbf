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

    private const int PortInUseExitCode = 3;

    // the first start may download and unpack the Debian packages (a few seconds)
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(120);

    /// <summary>scripts/courier-instance.sh in the repository root (the folder with FrontDoor.sln).</summary>
    private static readonly Lazy<string> ScriptPath = new(() =>
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FrontDoor.sln")))
            {
                var script = Path.Combine(directory.FullName, "scripts", "courier-instance.sh");
                return File.Exists(script)
                    ? script
                    : throw new InvalidOperationException($"{script} is missing.");
            }

            directory = directory.Parent;
        }

        throw new InvalidOperationException($"No FrontDoor.sln above {AppContext.BaseDirectory}: cannot find scripts/courier-instance.sh.");
    });

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
            var port = await StartInstanceAsync(directory, userSpecs, fixedPort: null, ct);
            return new CourierServer(directory, port, new Dictionary<string, string>(users), userSpecs);
        }
        catch
        {
            await DestroyQuietlyAsync(directory);
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
        var result = await RunScriptAsync(["stop", Directory], ct);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(Describe("stop", result));
        }
    }

    /// <summary>Kills every process of the server at once, like a crash: connections close without a BYE.</summary>
    public async Task KillAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var result = await RunScriptAsync(["kill", Directory], ct);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(Describe("kill", result));
        }
    }

    /// <summary>Starts the server again on the same port with the same users and mail (restarts it if running).</summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await StartInstanceAsync(Directory, _userSpecs, Port, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await DestroyQuietlyAsync(Directory);
    }

    /// <summary>Runs `start`; with no fixed port, picks free ones until one is not taken in the meantime.</summary>
    private static async Task<int> StartInstanceAsync(string directory, string[] userSpecs, int? fixedPort, CancellationToken ct)
    {
        const int attempts = 5;
        ScriptResult? last = null;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var port = fixedPort ?? FreeLoopbackPort();
            string[] arguments = ["start", directory, port.ToString(CultureInfo.InvariantCulture), .. userSpecs];
            last = await RunScriptAsync(arguments, ct);
            if (last.ExitCode == 0)
            {
                return port;
            }

            if (last.ExitCode != PortInUseExitCode || fixedPort is not null)
            {
                break;
            }
        }

        throw new InvalidOperationException(Describe("start", last!));
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static async Task DestroyQuietlyAsync(string directory)
    {
        try
        {
            await RunScriptAsync(["destroy", directory], CancellationToken.None);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or TimeoutException)
        {
            // best effort: fall through to deleting what is left
        }

        try
        {
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // a leftover temp directory must not fail a test run
        }
    }

    private static string Describe(string command, ScriptResult result) =>
        $"scripts/courier-instance.sh {command} failed with exit code {result.ExitCode.ToString(CultureInfo.InvariantCulture)}:\n" +
        result.StandardError.Trim() + (result.StandardOutput.Length > 0 ? "\n" + result.StandardOutput.Trim() : string.Empty);

    private static async Task<ScriptResult> RunScriptAsync(IEnumerable<string> arguments, CancellationToken ct)
    {
        var startInfo = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        startInfo.ArgumentList.Add(ScriptPath.Value);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        process.Start();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // it exited meanwhile
            }

            if (ct.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException($"scripts/courier-instance.sh did not finish within {ScriptTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
        }

        return new ScriptResult(process.ExitCode, await stdout, await stderr);
    }

    private sealed record ScriptResult(int ExitCode, string StandardOutput, string StandardError);
}
