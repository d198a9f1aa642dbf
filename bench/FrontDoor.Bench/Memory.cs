using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FrontDoor.Bench;

internal sealed record MemorySample(long Before, long After, int Sessions)
{
    public double BytesPerSession => (double)(After - Before) / Sessions;
}

/// <summary>
/// Scenario 4: a freshly started proxy, warmed up, then many idle connections (greeted, or logged in);
/// the proxy's RSS before and after, and the difference per connection.
/// </summary>
internal static class Memory
{
    public static MemorySample Measure(Func<ServerProcess> start, int sessions, bool login, int settleMs, int idleMs)
    {
        using var server = start();
        var endpoint = server.Endpoint;

        // Warm up the path being measured (JIT, pools, the backend's first login), then let it settle.
        Open(endpoint, Math.Min(50, sessions), login).ForEach(s => Abort(s));
        Thread.Sleep(settleMs);
        var before = server.Rss();

        var open = Open(endpoint, sessions, login);
        try
        {
            // Idle: nothing happens on these connections; let allocations settle (and the GC run, if it will).
            Thread.Sleep(idleMs);
            var after = server.Rss();

            RunHook(server, login, sessions);
            return new MemorySample(before, after, sessions);
        }
        finally
        {
            open.ForEach(s => Abort(s));
            Thread.Sleep(settleMs / 3);
        }
    }

    /// <summary>
    /// Profiling: FRONTDOOR_BENCH_MEMORY_HOOK='dotnet-gcdump collect -p "$1" ...' runs while the connections are open
    /// ($1 the server's pid, $2 its kind, $3 the state, $4 the connection count).
    /// </summary>
    internal static void RunHook(ServerProcess server, bool login, int count)
    {
        if (Environment.GetEnvironmentVariable("FRONTDOOR_BENCH_MEMORY_HOOK") is { Length: > 0 } hook)
        {
            var (code, output) = Os.Run("/bin/sh", "-c", hook, "sh", server.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
                server.GetType().Name, login ? "login" : "preauth", count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Console.Error.WriteLine($"  memory hook exited {code}: {output.Trim()}");
        }
    }

    /// <summary>
    /// Opens <paramref name="count"/> connections, greeted (and logged in). Beyond 20,000 they come from
    /// several loopback source addresses (127.0.0.2, 127.0.0.3, ...): one source address to one
    /// destination has only the ephemeral port range (about 28,000 ports) to give.
    /// </summary>
    /// <param name="user">The user of connection i (one user for all when null).</param>
    internal static List<Socket> Open(IPEndPoint endpoint, int count, bool login, Func<int, string>? user = null)
    {
        var sockets = new Socket[count];
        var sharedLogin = Encoding.ASCII.GetBytes($"l LOGIN \"{BenchContext.User}\" \"{BenchContext.Password}\"\r\n");
        var concurrency = login ? 32 : 128;
        try
        {
            Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                sockets[i] = socket;
                if (count > SourceAddressShare)
                {
                    socket.Bind(new IPEndPoint(new IPAddress([127, 0, 0, (byte)(2 + (i / SourceAddressShare))]), 0));
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await socket.ConnectAsync(endpoint, timeout.Token);
                var reader = new LineReader((buffer, ct) => socket.ReceiveAsync(buffer, SocketFlags.None, ct));
                var line = await reader.ReadLineAsync(timeout.Token);
                if (!line.StartsWith("* OK", StringComparison.Ordinal))
                {
                    throw new BenchException($"connection {i}: greeting '{line}'");
                }

                if (login)
                {
                    var loginCommand = user is null ? sharedLogin : Encoding.ASCII.GetBytes($"l LOGIN \"{user(i)}\" \"{BenchContext.Password}\"\r\n");
                    await socket.SendAsync(loginCommand, SocketFlags.None, timeout.Token);
                    while (true)
                    {
                        line = await reader.ReadLineAsync(timeout.Token);
                        if (line.StartsWith("l ", StringComparison.Ordinal))
                        {
                            if (!line.StartsWith("l OK", StringComparison.Ordinal))
                            {
                                throw new BenchException($"connection {i}: login answered '{line}'");
                            }

                            break;
                        }
                    }
                }
            }).GetAwaiter().GetResult();
        }
        catch
        {
            foreach (var socket in sockets)
            {
                Abort(socket);
            }

            throw;
        }

        return [.. sockets];
    }

    private const int SourceAddressShare = 20_000;

    internal static void Abort(Socket? socket)
    {
        if (socket is null)
        {
            return;
        }

        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        socket.Dispose();
    }
}
