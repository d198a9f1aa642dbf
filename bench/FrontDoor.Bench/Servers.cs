using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace FrontDoor.Bench;

internal static partial class Os
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    public static void Signal(int pid, int signal) => _ = KillNative(pid, signal);

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>User plus system CPU time of a process so far, in seconds (/proc/PID/stat, clock ticks of 1/100 s).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

        // After the command: state is field 3, utime field 14 and stime field 15 (proc(5)).
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>VmRSS of a process in bytes (0 when it is gone).</summary>
    public static long Rss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }

    /// <summary>The pids of a process's direct children.</summary>
    public static List<int> Children(int pid)
    {
        var children = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var candidate))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == pid)
                {
                    children.Add(candidate);
                }
            }
            catch (IOException)
            {
            }
        }

        return children;
    }

    public static (int ExitCode, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Waits until something at the endpoint greets with "* OK".</summary>
    public static void WaitForGreeting(IPEndPoint endpoint, Process? process, string what, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        Exception? last = null;
        while (watch.Elapsed < timeout)
        {
            if (process is { HasExited: true })
            {
                throw new BenchException($"{what} exited with code {process.ExitCode} while starting");
            }

            try
            {
                using var client = ImapClient.Connect(endpoint, 4096, 2000);
                return;
            }
            catch (Exception ex) when (ex is SocketException or BenchException or IOException)
            {
                last = ex;
                Thread.Sleep(50);
            }
        }

        throw new BenchException($"{what} did not greet on {endpoint} within {timeout.TotalSeconds:0} s: {last?.Message}");
    }
}

/// <summary>A process the bench started (FrontDoor, nginx): stopped with SIGTERM, then SIGKILL.</summary>
internal abstract class ServerProcess : IDisposable
{
    private readonly StreamWriter _log;
    private Process? _process;

    protected ServerProcess(string logPath)
    {
        LogPath = logPath;
        _log = new StreamWriter(logPath, append: true) { AutoFlush = true };
    }

    public string LogPath { get; }

    public int Pid => _process?.Id ?? throw new InvalidOperationException("not started");

    public abstract IPEndPoint Endpoint { get; }

    /// <summary>The memory this server holds: its own RSS, plus its workers' for nginx.</summary>
    public abstract long Rss();

    protected Process StartProcess(string file, IEnumerable<string> args, string what, string? environment = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        // Tuning experiments: "NAME=VALUE NAME=VALUE" for this process only.
        foreach (var pair in (environment ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                psi.Environment[pair[..eq]] = pair[(eq + 1)..];
            }
        }

        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => WriteLog(e.Data);
        process.ErrorDataReceived += (_, e) => WriteLog(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Cleanup.Register(process.Id);
        Os.WaitForGreeting(Endpoint, process, what, TimeSpan.FromSeconds(30));
        return process;
    }

    private void WriteLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.WriteLine(line);
        }
    }

    public void Stop()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        _process = null;
        if (!process.HasExited)
        {
            Os.Signal(process.Id, Os.SigTerm);
            if (!process.WaitForExit(15_000))
            {
                Os.Signal(process.Id, Os.SigKill);
                process.WaitForExit(5_000);
            }
        }

        process.WaitForExit();
        Cleanup.Unregister(process.Id);
        process.Dispose();
    }

    public void Dispose()
    {
        Stop();
        lock (_log)
        {
            _log.Dispose();
        }
    }
}

/// <summary>FrontDoor as operators run it: the Release executable with its own config file.</summary>
internal sealed class FrontDoorProcess : ServerProcess
{
    private readonly IPEndPoint _endpoint;

    private FrontDoorProcess(string logPath, IPEndPoint endpoint)
        : base(logPath)
    {
        _endpoint = endpoint;
    }

    public override IPEndPoint Endpoint => _endpoint;

    public override long Rss() => Os.Rss(Pid);

    /// <param name="config">The whole config for a listen address; the Dovecot config (<see cref="Config"/>) when null.</param>
    public static FrontDoorProcess Start(BenchContext context, string name, string listenerAttributes = "", Func<string, string>? config = null)
    {
        var port = Os.FreePort();
        var configPath = Path.Combine(context.Work, $"frontdoor-{name}.config");
        var admin = Environment.GetEnvironmentVariable("FRONTDOOR_BENCH_NO_ADMIN") is null ? $"127.0.0.1:{Os.FreePort()}" : null;
        File.WriteAllText(configPath, config is null ? Config(context, $"127.0.0.1:{port}", listenerAttributes, admin) : config($"127.0.0.1:{port}"));
        var server = new FrontDoorProcess(Path.Combine(context.Work, $"frontdoor-{name}.log"), new IPEndPoint(IPAddress.Loopback, port));
        server.StartProcess(context.FrontDoorBinary, ["--config", configPath, "--Logging:LogLevel:Default", "Warning"], "FrontDoor",
            Environment.GetEnvironmentVariable("FRONTDOOR_BENCH_FRONTDOOR_ENV"));
        return server;
    }

    private static string AdminTokenFile(BenchContext context)
    {
        var path = Path.Combine(context.Work, "admin.token");
        File.WriteAllText(path, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        return path;
    }

    /// <summary>
    /// Two backends on the same Dovecot: "pass" relays {N+} as sent (the default route), "sync" turns every
    /// {N+} into {N} (user benchsync).
    /// </summary>
    /// <remarks>With <paramref name="admin"/>, the admin endpoint runs too (as operators run it), so the figures include its cost.</remarks>
    public static string Config(BenchContext context, string listen, string listenerAttributes = "", string? admin = null) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <appSettings>
            <add key="DisableLiteralPlus" value="false" />
          </appSettings>
          <frontDoor>
            <listeners>
              <listener name="imap" endpoint="{listen}" tls="none" {listenerAttributes} />
            </listeners>
            <plugins directory="{context.PluginDirectory}" />
            <backends>
              <backend name="pass" endpoint="127.0.0.1:{context.Dovecot.Port}" tls="none" literalPlus="passthrough" />
              <backend name="sync" endpoint="127.0.0.1:{context.Dovecot.Port}" tls="none" literalPlus="synchronize" />
            </backends>
            <routing default="pass">
              <route user="{BenchContext.SyncUser}" backend="sync" />
            </routing>
            {(admin is null ? string.Empty : $"<admin endpoint=\"{admin}\" tokenFile=\"{AdminTokenFile(context)}\" />")}
          </frontDoor>
        </configuration>
        """;
}

/// <summary>
/// Debian's nginx with libnginx-mod-mail, proxying IMAP to the same Dovecot. Its auth_http is answered by
/// nginx itself: every login goes to the Dovecot, which checks the password.
/// </summary>
internal sealed class NginxProcess : ServerProcess
{
    private readonly IPEndPoint _endpoint;

    private NginxProcess(string logPath, IPEndPoint endpoint)
        : base(logPath)
    {
        _endpoint = endpoint;
    }

    public override IPEndPoint Endpoint => _endpoint;

    /// <summary>The master's and the workers' RSS.</summary>
    public override long Rss() => Os.Rss(Pid) + Os.Children(Pid).Sum(Os.Rss);

    /// <param name="backendPort">Where nginx sends every login: the Dovecot when null.</param>
    public static NginxProcess Start(BenchContext context, string name, int? backendPort = null)
    {
        var prefix = Path.Combine(context.Work, $"nginx-{name}");
        foreach (var sub in new[] { "", "logs", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(prefix, sub));
        }

        var port = Os.FreePort();
        var authPort = Os.FreePort();
        var conf = Path.Combine(prefix, "nginx.conf");
        File.WriteAllText(conf, Config(context, prefix, port, authPort, backendPort ?? context.Dovecot.Port));
        var server = new NginxProcess(Path.Combine(prefix, "logs", "stderr.log"), new IPEndPoint(IPAddress.Loopback, port));
        server.StartProcess(context.NginxBinary, ["-p", prefix + "/", "-c", conf, "-e", Path.Combine(prefix, "logs", "error.log")], "nginx");
        return server;
    }

    private static string Config(BenchContext context, string prefix, int port, int authPort, int backendPort) => $$"""
        # Written by the FrontDoor benchmark. Debian's nginx with libnginx-mod-mail.
        load_module {{context.NginxMailModule}};
        daemon off;
        master_process on;
        worker_processes auto;
        worker_rlimit_nofile {{context.FileLimit}};
        pid {{prefix}}/nginx.pid;
        error_log {{prefix}}/logs/error.log warn;

        events {
            worker_connections {{Math.Max(1024, context.FileLimit - 100)}};
        }

        http {
            access_log off;
            client_body_temp_path {{prefix}}/tmp/body;
            proxy_temp_path {{prefix}}/tmp/proxy;
            fastcgi_temp_path {{prefix}}/tmp/fastcgi;
            uwsgi_temp_path {{prefix}}/tmp/uwsgi;
            scgi_temp_path {{prefix}}/tmp/scgi;

            # auth_http answered by nginx itself: every user goes to the same Dovecot.
            server {
                listen 127.0.0.1:{{authPort}};
                location = /auth {
                    add_header Auth-Status OK;
                    add_header Auth-Server 127.0.0.1;
                    add_header Auth-Port {{backendPort}};
                    return 204;
                }
            }
        }

        mail {
            server_name bench.invalid;
            auth_http 127.0.0.1:{{authPort}}/auth;
            proxy_pass_error_message on;
            # FrontDoor relays through 16 KiB buffers; nginx gets the same (its default is one page).
            proxy_buffer 16k;
            imap_capabilities "IMAP4rev1" "LITERAL+" "SASL-IR" "ID" "IDLE" "ENABLE";
            imap_auth plain login;

            server {
                listen 127.0.0.1:{{port}};
                protocol imap;
            }
        }
        """;
}

/// <summary>
/// The private Dovecot: scripts/dovecot-instance.sh writes and starts it; the bench then appends its
/// limits (many idle sessions in few processes) and restarts it on the same config.
/// </summary>
internal sealed class DovecotInstance : IDisposable
{
    private readonly string _script;

    private DovecotInstance(string script, string directory, int port)
    {
        _script = script;
        Directory_ = directory;
        Port = port;
    }

    public string Directory_ { get; }

    public int Port { get; }

    public IPEndPoint Endpoint => new(IPAddress.Loopback, Port);

    public static DovecotInstance Start(string repo, string directory, int sessions, params string[] users)
    {
        var script = Path.Combine(repo, "scripts", "dovecot-instance.sh");
        var port = Os.FreePort();
        var (code, output) = Os.Run(script, ["start", directory, port.ToString(CultureInfo.InvariantCulture), .. users]);
        if (code != 0)
        {
            throw new BenchException($"scripts/dovecot-instance.sh start failed ({code}): {output.Trim()}");
        }

        var instance = new DovecotInstance(script, directory, port);
        Cleanup.RegisterDovecot(script, directory);

        // 2,000 idle sessions from one address: a few imap processes holding many clients each.
        // service_count = 0: a process keeps serving (Dovecot's default of 1 means one client per process).
        var perProcess = 50;
        var processes = Math.Max(64, (sessions / perProcess * 2) + 32);
        var overrides = $$"""

            # ---- appended by the FrontDoor benchmark (bench/FrontDoor.Bench/Servers.cs) ----
            service imap {
              service_count = 0
              client_limit = {{perProcess}}
              process_limit = {{processes}}
            }
            service imap-login {
              client_limit = {{Math.Max(1000, sessions + 200)}}
              process_limit = 4
            }
            service anvil {
              client_limit = {{Math.Max(1000, processes + 200)}}
            }
            service auth {
              client_limit = {{Math.Max(1000, processes + 200)}}
            }
            protocol imap {
              mail_max_userip_connections = {{Math.Max(1000, sessions * 2 + 100)}}
            }
            """;
        Os.Run(script, "stop", directory);
        File.AppendAllText(Path.Combine(directory, "dovecot.conf"), overrides);
        // The daemon keeps its stderr: give it a file, not a pipe this process would wait on forever.
        var startErr = Path.Combine(directory, "start.err");
        var (startCode, _) = Os.Run("/bin/sh", "-c", "exec /usr/sbin/dovecot -c \"$1\" >\"$2\" 2>&1 </dev/null", "sh", Path.Combine(directory, "dovecot.conf"), startErr);
        if (startCode != 0)
        {
            throw new BenchException($"dovecot -c {directory}/dovecot.conf failed: {File.ReadAllText(startErr).Trim()}");
        }

        Os.WaitForGreeting(instance.Endpoint, null, "Dovecot", TimeSpan.FromSeconds(20));
        return instance;
    }

    public static string Version() => Os.Run("/usr/sbin/dovecot", "--version").Output.Trim();

    public void Dispose()
    {
        Os.Run(_script, "stop", Directory_);
        Cleanup.UnregisterDovecot(Directory_);
    }
}

/// <summary>Whatever is still running when the bench ends or is interrupted gets stopped.</summary>
internal static class Cleanup
{
    private static readonly HashSet<int> Pids = [];
    private static readonly Dictionary<string, string> Dovecots = [];

    public static void Register(int pid)
    {
        lock (Pids)
        {
            Pids.Add(pid);
        }
    }

    public static void Unregister(int pid)
    {
        lock (Pids)
        {
            Pids.Remove(pid);
        }
    }

    public static void RegisterDovecot(string script, string directory)
    {
        lock (Pids)
        {
            Dovecots[directory] = script;
        }
    }

    public static void UnregisterDovecot(string directory)
    {
        lock (Pids)
        {
            Dovecots.Remove(directory);
        }
    }

    public static void RunAll()
    {
        int[] pids;
        KeyValuePair<string, string>[] dovecots;
        lock (Pids)
        {
            pids = [.. Pids];
            dovecots = [.. Dovecots];
            Pids.Clear();
            Dovecots.Clear();
        }

        foreach (var pid in pids)
        {
            Os.Signal(pid, Os.SigTerm);
        }

        foreach (var (directory, script) in dovecots)
        {
            Os.Run(script, "stop", directory);
        }
    }
}
