using System.Net;

namespace FrontDoor.IntegrationTests.Servers;

/// <summary>
/// What the real server fixtures share: a private instance in a temporary directory on a free loopback
/// port, run by its instance script, that tests can stop, kill (a crash) and restart.
/// </summary>
public abstract class InstanceServer : IAsyncDisposable
{
    private readonly string[] _userSpecs;
    private int _disposed;

    private protected InstanceServer(InstanceScript script, string logFile, string directory, int port, IReadOnlyDictionary<string, string> users, string[] userSpecs)
    {
        Script = script;
        LogPath = Path.Combine(directory, logFile);
        Directory = directory;
        Port = port;
        Users = users;
        _userSpecs = userSpecs;
    }

    /// <summary>Always the IPv4 loopback address: the server listens nowhere else.</summary>
    public string Host { get; } = "127.0.0.1";

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>The instance directory: its config, users, log and mail/&lt;user&gt;/Maildir.</summary>
    public string Directory { get; }

    public IReadOnlyDictionary<string, string> Users { get; }

    /// <summary>The server's log (connections, logins, errors): worth attaching to a failing test's output.</summary>
    public string LogPath { get; }

    private protected InstanceScript Script { get; }

    /// <summary>The maildir of <paramref name="user"/> (cur/new/tmp exist from the start).</summary>
    public string MaildirOf(string user)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        return Path.Combine(Directory, "mail", user, "Maildir");
    }

    /// <summary>The log so far, or an empty string.</summary>
    public string ReadLog() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : string.Empty;

    /// <summary>Stops the server (clients get its BYE); mail and settings stay for <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await Script.RunCheckedAsync("stop", Directory, ct);
    }

    /// <summary>Kills every process of the server at once, like a crash: connections close without a BYE.</summary>
    public async Task KillAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await Script.RunCheckedAsync("kill", Directory, ct);
    }

    /// <summary>Starts the server again on the same port with the same users and mail (restarts it if running).</summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await Script.StartAsync(Directory, _userSpecs, Port, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Script.DestroyQuietlyAsync(Directory);
        GC.SuppressFinalize(this);
    }

    /// <summary>Creates the directory, starts the instance on a free port, and builds the fixture; cleans up on failure.</summary>
    private protected static async Task<T> StartInstanceAsync<T>(
        InstanceScript script, string prefix, IReadOnlyDictionary<string, string> users, Func<string, Task>? prepare,
        Func<string, int, IReadOnlyDictionary<string, string>, string[], T> create, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(users);
        if (users.Count == 0)
        {
            throw new ArgumentException("At least one user is needed.", nameof(users));
        }

        var userSpecs = users.Select(pair => pair.Key + ":" + pair.Value).ToArray();
        var directory = System.IO.Directory.CreateTempSubdirectory(prefix).FullName;
        try
        {
            if (prepare is not null)
            {
                await prepare(directory);
            }

            var port = await script.StartAsync(directory, userSpecs, fixedPort: null, ct);
            return create(directory, port, new Dictionary<string, string>(users), userSpecs);
        }
        catch
        {
            await script.DestroyQuietlyAsync(directory);
            throw;
        }
    }
}
