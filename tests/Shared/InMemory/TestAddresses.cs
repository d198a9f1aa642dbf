using System.Net;

namespace FrontDoor.Testing;

/// <summary>
/// Made-up addresses for in-memory connections, from the ranges RFC 5737 reserves for documentation: no
/// real network uses them, so one in a log or a SessionContext is plainly a test's.
/// </summary>
internal static class TestAddresses
{
    /// <summary>FrontDoor's in-memory listeners (TEST-NET-1).</summary>
    public static readonly IPAddress Listener = IPAddress.Parse("192.0.2.1");

    /// <summary>In-memory clients, unless a test picks its own (TEST-NET-1).</summary>
    public static readonly IPAddress Client = IPAddress.Parse("192.0.2.100");

    /// <summary>In-memory backends (TEST-NET-2); their names end in ".invalid" (RFC 2606), which never resolves.</summary>
    public static readonly IPAddress Backend = IPAddress.Parse("198.51.100.1");

    private static int _handedOut;

    /// <summary>The default client address, with a port of its own (<see cref="NextPort"/>).</summary>
    public static IPEndPoint NextClient() => new(Client, NextPort());

    /// <summary>A port from 40,000 up, wrapping below 65,000: unique among any few thousand connections at once.</summary>
    public static int NextPort() => 40_000 + (Interlocked.Increment(ref _handedOut) % 25_000);
}
