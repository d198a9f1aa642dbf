using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FrontDoor.Core.Protocol;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>
/// The in-memory transport the wire tests run on (tests/Shared/InMemory) keeps a socket's promises: a
/// half-close lets the other way go on, an abort ends both ways, a reader that does not read makes the
/// writer wait, and an <see cref="ImapConnection"/> over it waits, stops waiting and runs TLS as over a socket.
/// </summary>
public class InMemoryTransportTests
{
    private static readonly IPEndPoint Here = new(TestAddresses.Listener, 143);

    private static (DuplexPipeStream A, DuplexPipeStream B) Streams(int pauseAt = InMemoryPipePair.DefaultPauseAt)
    {
        var (a, b) = InMemoryPipePair.Create(pauseAt);
        return (new DuplexPipeStream(a), new DuplexPipeStream(b));
    }

    private static async Task<string> ReadToEndAsync(Stream stream)
    {
        using var all = new MemoryStream();
        await stream.CopyToAsync(all);
        return Encoding.ASCII.GetString(all.ToArray());
    }

    [Fact]
    public async Task A_half_close_ends_one_way_after_its_data_and_the_other_way_goes_on()
    {
        var (a, b) = Streams();
        await a.WriteAsync("a1 LOGOUT\r\n"u8.ToArray());
        a.ShutdownSend();

        Assert.Equal("a1 LOGOUT\r\n", await ReadToEndAsync(b));
        await Assert.ThrowsAsync<IOException>(async () => await a.WriteAsync("more"u8.ToArray()));

        await b.WriteAsync("* BYE bye\r\n"u8.ToArray());
        b.ShutdownSend();
        Assert.Equal("* BYE bye\r\n", await ReadToEndAsync(a));
    }

    [Fact]
    public async Task An_abort_ends_a_pending_read_and_later_writes_while_the_peer_still_reads_what_was_sent()
    {
        var (a, b) = Streams();
        await a.WriteAsync("sent before\r\n"u8.ToArray());
        var pending = a.ReadAsync(new byte[16]).AsTask();
        Assert.False(pending.IsCompleted);

        a.Abort();

        Assert.Equal(0, await pending);
        await Assert.ThrowsAsync<IOException>(async () => await a.WriteAsync("after"u8.ToArray()));
        Assert.Equal("sent before\r\n", await ReadToEndAsync(b));
    }

    [Fact]
    public async Task Writes_to_a_closed_peer_fail_and_reads_see_the_end()
    {
        var (a, b) = Streams();
        await b.DisposeAsync();

        await Assert.ThrowsAsync<IOException>(async () => await a.WriteAsync("anyone?"u8.ToArray()));
        Assert.Equal(0, await a.ReadAsync(new byte[16]));
    }

    [Fact]
    public async Task A_writer_waits_while_the_reader_leaves_too_much_unread_and_goes_on_when_it_reads()
    {
        var (a, b) = Streams(pauseAt: 1024);
        var write = a.WriteAsync(new byte[4096]).AsTask();

        // The pipe decides at the flush, synchronously: over the threshold, the write does not complete.
        Assert.False(write.IsCompleted);

        var read = 0;
        var buffer = new byte[4096];
        while (read < 4096)
        {
            read += await b.ReadAsync(buffer);
        }

        await write;
        Assert.Equal(4096, read);
    }

    [Fact]
    public async Task An_abort_fails_a_write_that_waits_on_back_pressure()
    {
        var (a, _) = Streams(pauseAt: 1024);
        var write = a.WriteAsync(new byte[4096]).AsTask();
        Assert.False(write.IsCompleted);

        a.Abort();

        await Assert.ThrowsAsync<IOException>(() => write);
    }

    [Fact]
    public async Task A_connection_waits_for_data_without_taking_it_and_stops_waiting_when_told()
    {
        var (frontDoor, peer) = InMemoryPipePair.Create();
        await using var connection = new InMemoryConnection(frontDoor, Here, TestAddresses.NextClient());
        await using var client = new RawImapClient(new DuplexPipeStream(peer));

        var wait = connection.WaitForDataAsync(CancellationToken.None).AsTask();
        Assert.False(wait.IsCompleted);
        await client.SendAsync("a1 NOOP\r\n");
        await wait;

        // The zero-byte wait took nothing: the line is all there for the pipe.
        var result = await connection.Input.ReadAsync();
        Assert.Equal("a1 NOOP\r\n", Encoding.ASCII.GetString(result.Buffer.ToArray()));
        connection.Input.AdvanceTo(result.Buffer.End);

        var (otherSide, _) = InMemoryPipePair.Create();
        await using var silent = new InMemoryConnection(otherSide, Here, TestAddresses.NextClient());
        var silentWait = silent.WaitForDataAsync(CancellationToken.None).AsTask();
        silent.StopWaiting();
        Assert.Equal(0, await silentWait);
    }

    [Fact]
    public async Task An_aborted_connection_ends_a_pending_pipe_read_and_its_peer_sees_the_close()
    {
        var (frontDoor, peer) = InMemoryPipePair.Create();
        var connection = new InMemoryConnection(frontDoor, Here, TestAddresses.NextClient());
        await using var client = new RawImapClient(new DuplexPipeStream(peer));
        await connection.SendAsync("* OK ready\r\n"u8.ToArray(), CancellationToken.None);
        var read = connection.Input.ReadAsync().AsTask();

        connection.Abort();

        Assert.True((await read).IsCompleted);
        Assert.Equal("* OK ready", await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
        await connection.DisposeAsync();
    }

    [Fact]
    public async Task Tls_runs_over_an_in_memory_pair_as_over_a_socket()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=frontdoor.invalid", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var (serverSide, clientSide) = InMemoryPipePair.Create();
        await using var server = new InMemoryConnection(serverSide, Here, TestAddresses.NextClient());
        await using var client = new InMemoryConnection(clientSide, TestAddresses.NextClient(), Here);

        await Task.WhenAll(
            server.StartTlsAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, CancellationToken.None),
            client.StartTlsAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = "frontdoor.invalid",
                    RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString(),
                },
                CancellationToken.None));

        Assert.True(server.IsTls);
        await client.Output.WriteAsync("a1 CAPABILITY\r\n"u8.ToArray());
        var result = await server.Input.ReadAtLeastAsync(15);
        Assert.Equal("a1 CAPABILITY\r\n", Encoding.ASCII.GetString(result.Buffer.ToArray()));
    }
}
