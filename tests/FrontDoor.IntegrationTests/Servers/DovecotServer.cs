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
    private const int PortInUseExitCode = 3;
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(60);

    /// <summary>scripts/dovecot-instance.sh in the repository root (the folder with FrontDoor.sln or .git).</summary>
    private static readonly Lazy<string> ScriptPath = new(() =>
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FrontDoor.sln")) || Path.Exists(Path.Combine(directory.FullName, ".git")))
            {
                var script = Path.Combine(directory.FullName, "scripts", "dovecot-instance.sh");
                return File.Exists(script)
                    ? script
                    : throw new InvalidOperationException($"{script} is missing.");
            }

            directory = directory.Parent;
        }

        throw new InvalidOperationException($"No FrontDoor.sln or .git above {AppContext.BaseDirectory}: cannot find scripts/dovecot-instance.sh.");
    });

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

            var port = await StartInstanceAsync(directory, userSpecs, fixedPort: null, ct);
            return new DovecotServer(directory, port, new Dictionary<string, string>(users), userSpecs);
        }
        catch
        {
            await DestroyQuietlyAsync(directory);
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

    private static void EnsureInstalled()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(DovecotBinary))
        {
            throw new InvalidOperationException(
                $"Dovecot is not installed ({DovecotBinary} not found). Run ./test.sh, which installs it " +
                "(or scripts/install-deps.sh as root: apt-get install dovecot-imapd).");
        }
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
        $"scripts/dovecot-instance.sh {command} failed with exit code {result.ExitCode.ToString(CultureInfo.InvariantCulture)}:\n" +
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

            throw new TimeoutException($"scripts/dovecot-instance.sh did not finish within {ScriptTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
        }

        return new ScriptResult(process.ExitCode, await stdout, await stderr);
    }

    private sealed record ScriptResult(int ExitCode, string StandardOutput, string StandardError);
}
