using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using FrontDoor.Core.Sessions;
using FrontDoor.IntegrationTests.Security;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FrontDoor.IntegrationTests.EndToEnd;

/// <summary>
/// A 50 MiB message fetched from real Dovecot through FrontDoor, with a raw client that hashes the literal:
/// between plain sockets the octets are spliced from socket to socket (docs/ARCHITECTURE.md, "The path of
/// a byte"); under TLS they are copied through the pipes as before. Either way they arrive exact.
/// </summary>
public sealed class SplicedFetchTests : IAsyncLifetime, IDisposable
{
    private const int MessageSize = 50 * 1024 * 1024;
    private static readonly Dictionary<string, string> Users = new() { ["alice"] = "alice-pw" };
    private readonly TestCertificates _certificates = new();
    private readonly byte[] _message = Message();
    private DovecotServer _dovecot = null!;

    private string Backend => $"""<backends><backend name="d" endpoint="127.0.0.1:{_dovecot.Port}" /></backends><routing default="d" />""";

    public async Task InitializeAsync()
    {
        _dovecot = await DovecotServer.StartAsync(Users);
        using var direct = new TcpClient { NoDelay = true };
        await direct.ConnectAsync(System.Net.IPAddress.Loopback, _dovecot.Port);
        var stream = direct.GetStream();
        await ReadLineAsync(stream);
        await CommandAsync(stream, "a LOGIN alice alice-pw\r\n", "a OK");
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"b APPEND INBOX {{{MessageSize}+}}\r\n"));
        await stream.WriteAsync(_message);
        await CommandAsync(stream, "\r\n", "b OK");
    }

    public async Task DisposeAsync() => await _dovecot.DisposeAsync();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task A_50_MiB_fetch_through_a_plain_listener_is_byte_exact_and_spliced()
    {
        await using var frontDoor = await TestFrontDoor.StartAsync(Backend);
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(frontDoor.Endpoint);

        Assert.Equal(SHA256.HashData(_message), await FetchHashAsync(client.GetStream()));
        var counters = frontDoor.Services.GetRequiredService<RelayCounters>().For("d");
        Assert.InRange(counters.SplicedToClient, MessageSize * 9L / 10, MessageSize);
        Assert.True(counters.BytesToClient > MessageSize, $"{counters.BytesToClient} octets counted");
    }

    [Fact]
    public async Task Through_a_tls_listener_the_same_fetch_is_byte_exact_and_copied_as_before()
    {
        await using var frontDoor = await TestFrontDoor.StartWithListenerAsync(
            $"""<listener name="imap" endpoint="127.0.0.1:0" tls="implicit" certificate="{_certificates.CertificatePem}" certificateKey="{_certificates.KeyPem}" />""", Backend);
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(frontDoor.Endpoint);
        await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) => _certificates.TrustedByTestCa(certificate));
        await tls.AuthenticateAsClientAsync("localhost");

        Assert.Equal(SHA256.HashData(_message), await FetchHashAsync(tls));
        var counters = frontDoor.Services.GetRequiredService<RelayCounters>().For("d");
        Assert.Equal(0, counters.SplicedToClient);
        Assert.True(counters.BytesToClient > MessageSize, $"{counters.BytesToClient} octets counted");
    }

    /// <summary>Logs in, fetches message 1 and returns the SHA-256 of its literal, read in pieces as they come.</summary>
    private static async Task<byte[]> FetchHashAsync(Stream stream)
    {
        await ReadLineAsync(stream);
        await CommandAsync(stream, "a LOGIN alice alice-pw\r\n", "a OK");
        await CommandAsync(stream, "b EXAMINE INBOX\r\n", "b OK");
        await stream.WriteAsync("c FETCH 1 BODY[]\r\n"u8.ToArray());
        var header = await ReadLineAsync(stream);
        Assert.EndsWith($"{{{MessageSize}}}", header, StringComparison.Ordinal);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[256 * 1024];
        for (var left = MessageSize; left > 0;)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, Math.Min(left, buffer.Length)));
            Assert.NotEqual(0, read);
            hash.AppendData(buffer, 0, read);
            left -= read;
        }

        Assert.Equal(")", await ReadLineAsync(stream));
        Assert.StartsWith("c OK", await ReadLineAsync(stream), StringComparison.Ordinal);
        return hash.GetHashAndReset();
    }

    private static async Task CommandAsync(Stream stream, string command, string answer)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command));
        while (!(await ReadLineAsync(stream)).StartsWith(answer, StringComparison.Ordinal))
        {
        }
    }

    /// <summary>One line without its CRLF, read octet by octet so nothing after it is taken from the stream.</summary>
    private static async Task<string> ReadLineAsync(Stream stream)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new EndOfStreamException("closed after: " + line);
            }

            if (one[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)one[0]);
        }
    }

    /// <summary>Text lines of varying content, so a lost, repeated or reordered block changes the hash.</summary>
    private static byte[] Message()
    {
        var message = new byte[MessageSize];
        var header = "Subject: spliced\r\n\r\n"u8;
        header.CopyTo(message);
        var random = new Random(7);
        for (var i = header.Length; i < MessageSize; i++)
        {
            message[i] = i % 78 == 76 ? (byte)'\r' : i % 78 == 77 ? (byte)'\n' : (byte)('a' + random.Next(26));
        }

        message[^2] = (byte)'\r';
        message[^1] = (byte)'\n';
        return message;
    }
}
