using System.Buffers;
using System.Text;
using FrontDoor.Core.Hooks;
using FrontDoor.Testing;

namespace FrontDoor.Bench;

/// <summary>
/// An in-process FAKE IMAP backend for scenario 10, on in-memory pairs (tests/Shared/InMemory): 100,000
/// sessions need no descriptor here, where a real backend over TCP would need 100,000 in FrontDoor's process
/// beyond this machine's hard limit of 20,000. It knows what an idle logged-in session needs (RFC 9051):
/// the greeting, CAPABILITY, LOGIN (any user and password), NOOP, ID, ENABLE, IDLE/DONE and LOGOUT; anything
/// else is answered BAD and counted. An idle session holds a pending zero-byte read and nothing else: its
/// read buffer is rented only while octets are there, so the harness's own share of the process's memory
/// stays small next to FrontDoor's.
/// </summary>
internal sealed class InMemoryFakeBackend
{
    private const string Capabilities = "IMAP4rev1 SASL-IR IDLE ID ENABLE AUTH=PLAIN";
    private const int MaxLine = 4096;

    private static readonly byte[] Greeting = Encoding.ASCII.GetBytes($"* OK [CAPABILITY {Capabilities}] in-memory fake backend ready\r\n");

    private int _open;
    private int _loggedIn;
    private int _closedWithoutLogout;
    private int _unknown;

    /// <summary>Connections open now.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Logins answered OK so far.</summary>
    public int LoggedIn => Volatile.Read(ref _loggedIn);

    /// <summary>Connections that ended without a LOGOUT (a client or FrontDoor aborted them).</summary>
    public int ClosedWithoutLogout => Volatile.Read(ref _closedWithoutLogout);

    /// <summary>Commands answered BAD, or lines too long: a sign the scenario sent what it should not.</summary>
    public int Unknown => Volatile.Read(ref _unknown);

    /// <summary>Listens on a made-up endpoint of <see cref="InMemoryBackends.Network"/>, for FrontDoor's backend connects.</summary>
    public BackendEndpoint Listen() => InMemoryBackends.Network.Listen(stream => _ = ServeAsync(stream));

    public void Stop(BackendEndpoint endpoint) => InMemoryBackends.Network.Stop(endpoint);

    /// <summary>Serves one connection until it ends (the other end of a pair a client holds directly).</summary>
    public async Task ServeAsync(DuplexPipeStream stream)
    {
        Interlocked.Increment(ref _open);
        var loggedOut = false;
        byte[]? buffer = null;
        try
        {
            await stream.WriteAsync(Greeting);
            string? idleTag = null;
            var length = 0;
            while (!loggedOut)
            {
                if (length == 0)
                {
                    // Idle: give the buffer back and wait for octets without taking any.
                    if (buffer is not null)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = null;
                    }

                    _ = await stream.ReadAsync(Memory<byte>.Empty);
                }

                buffer ??= ArrayPool<byte>.Shared.Rent(MaxLine);
                var read = await stream.ReadAsync(buffer.AsMemory(length));
                if (read == 0)
                {
                    return;
                }

                length += read;
                var start = 0;
                int newline;
                while (!loggedOut && (newline = buffer.AsSpan(start, length - start).IndexOf((byte)'\n')) >= 0)
                {
                    var line = Encoding.ASCII.GetString(buffer, start, newline).TrimEnd('\r');
                    start += newline + 1;
                    (var reply, idleTag, loggedOut) = Answer(line, idleTag);
                    if (reply.Length > 0)
                    {
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(reply));
                    }
                }

                buffer.AsSpan(start, length - start).CopyTo(buffer);
                length -= start;
                if (length == buffer.Length)
                {
                    Interlocked.Increment(ref _unknown);
                    await stream.WriteAsync("* BYE line too long for the in-memory fake backend\r\n"u8.ToArray());
                    return;
                }
            }

            stream.ShutdownSend();
        }
        catch (IOException)
        {
            // The other end went away while this one wrote.
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            if (!loggedOut)
            {
                Interlocked.Increment(ref _closedWithoutLogout);
            }

            Interlocked.Decrement(ref _open);
            await stream.DisposeAsync();
        }
    }

    /// <summary>The reply to one line; the tag of an IDLE in progress; whether the session is over.</summary>
    private (string Reply, string? IdleTag, bool LoggedOut) Answer(string line, string? idleTag)
    {
        if (idleTag is not null)
        {
            // RFC 9051 section 6.3.13: IDLE ends with DONE.
            return string.Equals(line, "DONE", StringComparison.OrdinalIgnoreCase)
                ? ($"{idleTag} OK IDLE terminated\r\n", null, false)
                : (string.Empty, idleTag, false);
        }

        var parts = line.Split(' ', 3);
        var tag = parts[0];
        var command = parts.Length > 1 ? parts[1].ToUpperInvariant() : string.Empty;
        switch (command)
        {
            case "CAPABILITY":
                return ($"* CAPABILITY {Capabilities}\r\n{tag} OK CAPABILITY completed\r\n", null, false);
            case "LOGIN":
                Interlocked.Increment(ref _loggedIn);
                return ($"{tag} OK [CAPABILITY {Capabilities}] Logged in\r\n", null, false);
            case "NOOP" or "ENABLE":
                return ($"{tag} OK {command} completed\r\n", null, false);
            case "ID":
                return ($"* ID NIL\r\n{tag} OK ID completed\r\n", null, false);
            case "IDLE":
                return ("+ idling\r\n", tag, false);
            case "LOGOUT":
                return ($"* BYE logging out\r\n{tag} OK LOGOUT completed\r\n", null, true);
            default:
                Interlocked.Increment(ref _unknown);
                return ($"{tag} BAD the in-memory fake backend knows only CAPABILITY, LOGIN, NOOP, ID, ENABLE, IDLE and LOGOUT\r\n", null, false);
        }
    }
}
