using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FrontDoor.IntegrationTests.Servers;

/// <summary>
/// A real server from Debian's packages (HAProxy, redis-server) run in the foreground as a child process
/// with a private config in a temporary directory, on one loopback port. Its output is kept for failing
/// tests; dispose (or <see cref="KillAsync"/>) kills it like a crash.
/// </summary>
public abstract class ForegroundServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private protected ForegroundServer(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Port = port;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }

    /// <summary>The server's process id, to look at or set its limits from outside (/proc, prlimit).</summary>
    public int ProcessId => _process.Id;

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public string Directory { get; }

    /// <summary>Everything the server wrote on stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private protected static Process Launch(string binary, string package, params string[] arguments) =>
        Launch(binary, package, null, arguments);

    private protected static Process Launch(string binary, string package, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"{binary} is not installed: run ./test.sh, which installs {package}");
        }

        var start = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    /// <summary>Waits until the server accepts connections on its port.</summary>
    private protected async Task WaitListeningAsync()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(EndPoint);
                return;
            }
            catch (SocketException)
            {
                if (_process.HasExited)
                {
                    await _process.WaitForExitAsync();
                    throw new InvalidOperationException($"{_process.StartInfo.FileName} exited: {Output}");
                }

                await Task.Delay(50);
            }
        }

        await KillAsync();
        throw new InvalidOperationException($"{_process.StartInfo.FileName} did not start listening: {Output}");
    }

    /// <summary>Kills the server at once, like a crash.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
