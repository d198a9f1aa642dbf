using System.Net;
using FrontDoor.Core.Hooks;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>
/// One wire case, a synchronizing literal held until the backend's continuation (which is relayed, with the
/// untagged data before it), byte for byte the same over loopback TCP and over the in-memory transport: the
/// in-memory wire tests (<see cref="RelayWireTests"/> and the rest) prove what they would over TCP. The
/// session knows its client's address either way (a made-up one in memory).
/// </summary>
public class TransportParityTests
{
    [Fact]
    public async Task A_synchronizing_literal_crosses_both_transports_byte_for_byte_the_same()
    {
        var (tcpClient, tcpBackend) = await SynchronizingLiteralAsync(TestTransport.Tcp, IPAddress.Loopback);
        var (memoryClient, memoryBackend) = await SynchronizingLiteralAsync(TestTransport.InMemory, TestAddresses.Client);

        Assert.Equal(tcpClient, memoryClient);
        Assert.Equal(tcpBackend, memoryBackend);
    }

    /// <returns>Every octet the client and the backend read.</returns>
    private static async Task<(string Client, string Backend)> SynchronizingLiteralAsync(TestTransport transport, IPAddress clientAddress)
    {
        await using var backend = ScriptedBackend.Start(
            async b =>
            {
                await b.GreetAndLoginAsync();
                await b.ExpectLineAsync("a2 APPEND INBOX {5}");
                await b.SendAsync("* 3 EXISTS\r\n+ OK\r\n");
                Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
                await b.ExpectLineAsync(string.Empty);
                await b.SendAsync("a2 OK APPEND done\r\n");
            },
            transport);
        await using var frontDoor = await TestFrontDoor.StartAsync(
            transport,
            $"""<backends><backend name="fake" endpoint="{backend.Address}" literalPlus="passthrough" /></backends><routing default="fake" />""");
        await using var client = await frontDoor.ConnectAsync();
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice secret\r\n");
        Assert.Equal("a1 OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] Logged in", await client.ReadLineAsync());
        await client.SendAsync("a2 APPEND INBOX {5}\r\n");
        Assert.Equal("* 3 EXISTS", await client.ReadLineAsync());
        Assert.Equal("+ OK", await client.ReadLineAsync());
        await client.SendAsync("hello\r\n");
        Assert.Equal("a2 OK APPEND done", await client.ReadLineAsync());
        await backend.Completion;

        var session = Assert.Single(frontDoor.Services.GetRequiredService<ISessionRegistry>().Find());
        Assert.Equal(clientAddress, session.ClientAddress?.Address);
        return (client.Received, backend.Received);
    }
}
