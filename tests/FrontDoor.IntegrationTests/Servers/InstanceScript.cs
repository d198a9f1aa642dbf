using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FrontDoor.IntegrationTests.Servers;

/// <summary>
/// Runs one of the instance scripts (scripts/dovecot-instance.sh, scripts/courier-instance.sh): they share
/// their commands (start DIR PORT USERS, stop, kill, destroy) and exit codes (3: port in use).
/// </summary>
internal sealed class InstanceScript
{
    public static readonly InstanceScript Dovecot = new("dovecot-instance.sh", TimeSpan.FromSeconds(60));

    // Courier's first start may download and unpack the Debian packages.
    public static readonly InstanceScript Courier = new("courier-instance.sh", TimeSpan.FromSeconds(120));

    public static readonly InstanceScript Slapd = new("slapd-instance.sh", TimeSpan.FromSeconds(60));

    private const int PortInUseExitCode = 3;
    private readonly string _name;
    private readonly Lazy<string> _path;
    private readonly TimeSpan _timeout;

    private InstanceScript(string name, TimeSpan timeout)
    {
        _name = name;
        _timeout = timeout;
        _path = new Lazy<string>(() => Locate(name));
    }

    /// <summary>Runs a command that must succeed (stop, kill).</summary>
    public async Task RunCheckedAsync(string command, string directory, CancellationToken ct)
    {
        var result = await RunScriptAsync([command, directory], ct);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(Describe(command, result));
        }
    }

    /// <summary>Runs `start`; with no fixed port, picks free ones until one is not taken in the meantime.</summary>
    public async Task<int> StartAsync(string directory, string[] userSpecs, int? fixedPort, CancellationToken ct)
    {
        const int attempts = 5;
        ScriptResult? last = null;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var port = fixedPort ?? FrontDoor.Testing.LoopbackPorts.Pick();
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

    public async Task DestroyQuietlyAsync(string directory)
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

    private string Describe(string command, ScriptResult result) =>
        $"scripts/{_name} {command} failed with exit code {result.ExitCode.ToString(CultureInfo.InvariantCulture)}:\n" +
        result.StandardError.Trim() + (result.StandardOutput.Length > 0 ? "\n" + result.StandardOutput.Trim() : string.Empty);

    private async Task<ScriptResult> RunScriptAsync(IEnumerable<string> arguments, CancellationToken ct)
    {
        var startInfo = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        startInfo.ArgumentList.Add(_path.Value);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        process.Start();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_timeout);
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

            throw new TimeoutException($"scripts/{_name} did not finish within {_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
        }

        return new ScriptResult(process.ExitCode, await stdout, await stderr);
    }

    private sealed record ScriptResult(int ExitCode, string StandardOutput, string StandardError);

    /// <summary>The script in the repository root's scripts folder (the folder with FrontDoor.sln or .git).</summary>
    private static string Locate(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FrontDoor.sln")) || Path.Exists(Path.Combine(directory.FullName, ".git")))
            {
                var script = Path.Combine(directory.FullName, "scripts", name);
                return File.Exists(script) ? script : throw new InvalidOperationException($"{script} is missing.");
            }

            directory = directory.Parent;
        }

        throw new InvalidOperationException($"No FrontDoor.sln or .git above {AppContext.BaseDirectory}: cannot find scripts/{name}.");
    }
}
