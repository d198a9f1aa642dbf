using FrontDoor.Testing;

namespace FrontDoor.IntegrationTests.Servers;

/// <summary>A private redis-server (Debian's redis-server) on a loopback port, no persistence, no password.</summary>
public sealed class RedisServer : ForegroundServer
{
    private RedisServer(System.Diagnostics.Process process, string directory, int port)
        : base(process, directory, port)
    {
    }

    /// <summary>Starts a server on a new port, or on <paramref name="port"/> (to bring one back after a kill).</summary>
    public static async Task<RedisServer> StartAsync(int? port = null)
    {
        var chosen = port ?? LoopbackPorts.Pick();
        var directory = System.IO.Directory.CreateTempSubdirectory("fd-redis-").FullName;
        var server = new RedisServer(
            Launch("/usr/bin/redis-server", "redis-server", "--port", chosen.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                "--save", string.Empty, "--appendonly", "no", "--dir", directory, "--daemonize", "no"),
            directory,
            chosen);
        await server.WaitListeningAsync();
        return server;
    }
}
