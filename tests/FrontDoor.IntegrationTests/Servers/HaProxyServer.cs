using System.Net;
using System.Text.RegularExpressions;
using FrontDoor.Testing;

namespace FrontDoor.IntegrationTests.Servers;

/// <summary>A private HAProxy (Debian's haproxy) in TCP mode on a loopback port, in front of FrontDoor nodes.</summary>
public sealed partial class HaProxyServer : ForegroundServer
{
    private HaProxyServer(System.Diagnostics.Process process, string directory, int port)
        : base(process, directory, port)
    {
    }

    /// <summary>The smallest config: one FrontDoor, PROXY v2, no checks.</summary>
    public static Task<HaProxyServer> StartMinimalAsync(IPEndPoint frontDoor) => StartAsync(port => $"""
        global
            maxconn 100
        defaults
            mode tcp
            timeout connect 5s
            timeout client 60s
            timeout server 60s
        frontend imap
            bind 127.0.0.1:{port}
            default_backend frontdoor
        backend frontdoor
            server fd 127.0.0.1:{frontDoor.Port} send-proxy-v2

        """);

    /// <summary>
    /// The repository's deploy/haproxy.cfg as it is, with its bind address replaced by a loopback port,
    /// its example servers by <paramref name="nodes"/>, its syslog replaced by stderr (notices and up: server state changes, kept in
    /// <see cref="ForegroundServer.Output"/>) and its maxconn lowered to
    /// what a test machine's file descriptor limit allows.
    /// </summary>
    public static Task<HaProxyServer> StartDeployConfigAsync(IReadOnlyList<IPEndPoint> nodes)
    {
        var deployed = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "haproxy.cfg"));
        return StartAsync(port =>
        {
            var servers = string.Concat(nodes.Select((n, i) => $"    server fd{i + 1} {n.Address}:{n.Port}\n"));
            var text = ServerLine().Replace(deployed, string.Empty).TrimEnd() + "\n" + servers;
            text = BindLine().Replace(text, $"    bind 127.0.0.1:{port}");
            text = MaxConn().Replace(text, "    maxconn 1000");
            return SyslogLine().Replace(text, "    log stderr format short local0 notice\n");
        });
    }

    private static async Task<HaProxyServer> StartAsync(Func<int, string> config)
    {
        var port = LoopbackPorts.Pick();
        var directory = System.IO.Directory.CreateTempSubdirectory("fd-haproxy-").FullName;
        var path = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(path, config(port));
        var server = new HaProxyServer(Launch("/usr/sbin/haproxy", "haproxy", "-db", "-f", path), directory, port);
        await server.WaitListeningAsync();
        return server;
    }

    [GeneratedRegex(@"^\s*server\s.*\n", RegexOptions.Multiline)]
    private static partial Regex ServerLine();

    [GeneratedRegex(@"^\s*bind\s.*$", RegexOptions.Multiline)]
    private static partial Regex BindLine();

    [GeneratedRegex(@"^\s*maxconn\s.*$", RegexOptions.Multiline)]
    private static partial Regex MaxConn();

    [GeneratedRegex(@"^\s*log\s+/dev/log.*\n", RegexOptions.Multiline)]
    private static partial Regex SyslogLine();
}
