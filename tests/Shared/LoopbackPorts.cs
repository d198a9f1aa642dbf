using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace FrontDoor.Testing;

/// <summary>
/// Ports for servers a test starts in another process (Dovecot, Courier, HAProxy, a metrics endpoint),
/// which must be named before they are bound. A port from "bind to 0" is in the kernel's ephemeral range:
/// released, it can go at once to another test's outgoing connection or port-0 listener, and the server
/// then fails to bind, or a probe of it greets from someone else's server. Ports below that range are never
/// handed out by the kernel, and this process never hands out one twice.
/// </summary>
internal static class LoopbackPorts
{
    private const int Lowest = 10_000;
    private static readonly HashSet<int> Given = [];
    private static readonly int Highest = EphemeralRangeStart() - 1;

    public static int Pick()
    {
        lock (Given)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(Lowest, Highest + 1);
                if (!Given.Contains(port) && IsFree(port))
                {
                    Given.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free loopback port between {Lowest} and {Highest}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of Linux's ip_local_port_range (32768 by default).</summary>
    private static int EphemeralRangeStart()
    {
        const int fallback = 32_768;
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start) && start > Lowest + 1_000 ? start : fallback;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return fallback;
        }
    }
}
