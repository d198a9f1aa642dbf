using System.Net.Sockets;
using System.Text;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Sessions;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FrontDoor.IntegrationTests.Security;

/// <summary>
/// Back-pressure: a client that stops reading must not make FrontDoor read the backend's answer into memory.
/// Real Dovecot; the client is a raw socket that sends FETCH of a 50 MiB message and then reads nothing.
/// </summary>
public class SlowReaderTests
{
    private const int MessageSize = 50 * 1024 * 1024;

    // What may sit between Dovecot and the client when nobody reads: FrontDoor's socket send buffer and the
    // client's receive buffer (the kernel's, at most a few MiB each on Linux's defaults) and one relay buffer
    // (or, when spliced, one kernel pipe of at most 1 MiB).
    // Far below the 50 MiB the backend has to send.
    private const long MostInFlight = 16 * 1024 * 1024;

    [Fact]
    public async Task A_client_that_stops_reading_a_50_MiB_fetch_leaves_it_with_the_backend()
    {
        var users = new Dictionary<string, string> { ["alice"] = "alice-pw" };
        await using var dovecot = await DovecotServer.StartAsync(users);
        await using var frontDoor = await TestFrontDoor.StartAsync(
            $"""<backends><backend name="d" endpoint="127.0.0.1:{dovecot.Port}" /></backends><routing default="d" />""");

        using (var direct = await ConnectAsync(dovecot.Port))
        {
            await CommandAsync(direct, "a LOGIN alice alice-pw\r\n", "a ");
            await SendAsync(direct, $"b APPEND INBOX {{{MessageSize}+}}\r\n");
            await SendAsync(direct, Message());
            await CommandAsync(direct, "\r\n", "b OK");
        }

        using var client = await ConnectAsync(frontDoor.Endpoint.Port, receiveBuffer: 64 * 1024);
        await CommandAsync(client, "a LOGIN alice alice-pw\r\n", "a OK");
        await CommandAsync(client, "b SELECT INBOX\r\n", "b OK");
        await SendAsync(client, "c FETCH 1 BODY[]\r\n");

        // The client reads nothing: the relay stalls once the sockets' buffers are full. Wait for the count of
        // octets FrontDoor has passed on to stop moving.
        var session = frontDoor.Services.GetRequiredService<ISessionRegistry>().Find(s => s.User == "alice").Single();
        long passed;
        var still = 0;
        do
        {
            passed = session.BytesToClient;
            await Task.Delay(250);
            still = session.BytesToClient == passed ? still + 1 : 0;
        }
        while (still < 8);

        Assert.InRange(passed, 1, MostInFlight);

        // Reading again, the client gets the whole message: the stall was back-pressure, not a loss.
        var received = await ReadUntilAsync(client, "\r\nc OK");
        Assert.True(received >= MessageSize, $"received {received} octets");

        // Between plain sockets the literal was spliced, so the wait for the client ran on that path.
        Assert.True(frontDoor.Services.GetRequiredService<RelayCounters>().For("d").SplicedToClient > 0);
    }

    private static byte[] Message()
    {
        var message = new byte[MessageSize];
        var header = "Subject: slow reader\r\n\r\n"u8;
        header.CopyTo(message);
        for (var i = header.Length; i < MessageSize; i++)
        {
            message[i] = i % 78 == 76 ? (byte)'\r' : i % 78 == 77 ? (byte)'\n' : (byte)('a' + (i % 26));
        }

        message[^2] = (byte)'\r';
        message[^1] = (byte)'\n';
        return message;
    }

    private static async Task<Socket> ConnectAsync(int port, int? receiveBuffer = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer is { } size)
        {
            // Set before connecting, so the window the client offers stays small.
            socket.ReceiveBufferSize = size;
        }

        await socket.ConnectAsync(System.Net.IPAddress.Loopback, port);
        await ReadUntilAsync(socket, "\r\n");
        return socket;
    }

    private static async Task SendAsync(Socket socket, string text) => await SendAsync(socket, Encoding.ASCII.GetBytes(text));

    private static async Task SendAsync(Socket socket, byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
        }
    }

    private static async Task CommandAsync(Socket socket, string command, string until)
    {
        await SendAsync(socket, command);
        await ReadUntilAsync(socket, until);
    }

    /// <summary>Reads until the text seen ends a line that starts with <paramref name="marker"/> (or contains it); returns the octets read.</summary>
    private static async Task<long> ReadUntilAsync(Socket socket, string marker)
    {
        var buffer = new byte[256 * 1024];
        var tail = string.Empty;
        long total = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                throw new IOException($"closed before '{marker.Trim()}'");
            }

            total += read;
            tail += Encoding.Latin1.GetString(buffer, 0, read);
            var end = tail.LastIndexOf('\n');
            if (end >= 0 && tail.AsSpan(0, end + 1).Contains(marker.TrimEnd('\n'), StringComparison.Ordinal) && tail.EndsWith('\n'))
            {
                return total;
            }

            if (tail.Length > 4096)
            {
                tail = tail[^4096..];
            }
        }
    }
}
