using System.Security.Cryptography;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// Session ids, 12 hex digits of the system's cryptographic generator each. The generator is asked for the
/// octets of many ids at a time, per thread: each call into it costs a system call (OpenSSL checks the
/// process id, to notice a fork), which at one call per id was one per login (bench/README.md, per-login
/// system calls). The ids are as unpredictable as before; only their octets are drawn ahead.
/// </summary>
internal static class SessionIdSource
{
    private const int IdOctets = 6;
    private const int IdsPerDraw = 64;

    [ThreadStatic]
    private static byte[]? t_drawn;

    [ThreadStatic]
    private static int t_next;

    /// <summary>A new session id.</summary>
    public static string Next()
    {
        var drawn = t_drawn;
        if (drawn is null || t_next == drawn.Length)
        {
            drawn = t_drawn ??= new byte[IdOctets * IdsPerDraw];
            RandomNumberGenerator.Fill(drawn);
            t_next = 0;
        }

        var id = drawn.AsSpan(t_next, IdOctets);
        t_next += IdOctets;
        var text = Convert.ToHexStringLower(id);

        // Used octets are not left behind in the thread's buffer.
        id.Clear();
        return text;
    }
}
