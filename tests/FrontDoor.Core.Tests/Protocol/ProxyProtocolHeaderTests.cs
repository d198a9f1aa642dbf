using System.Net;
using System.Text;
using FrontDoor.Core.Protocol;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>The PROXY header parser, on whole, cut and bad headers, and the stream reader built on it.</summary>
public class ProxyProtocolHeaderTests
{
    private static readonly byte[] V1 = Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.9 192.0.2.1 5555 143\r\n");
    private static readonly byte[] V2 = ProxyProtocolHeader.WriteV2(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 4242), new IPEndPoint(IPAddress.Parse("2001:db8::1"), 143));
    private static readonly byte[] FirstCommand = "a1 CAPABILITY\r\n"u8.ToArray();

    public static TheoryData<string> Headers => new() { "v1", "v2" };

    private static (byte[] Header, IPEndPoint Client) Sample(string version) => version == "v1"
        ? (V1, new IPEndPoint(IPAddress.Parse("203.0.113.9"), 5555))
        : (V2, new IPEndPoint(IPAddress.Parse("2001:db8::7"), 4242));

    [Theory]
    [MemberData(nameof(Headers))]
    public void A_whole_header_is_complete_with_its_length_and_the_client_whatever_follows(string version)
    {
        var (header, client) = Sample(version);
        Assert.Equal(ProxyHeaderStatus.Complete, ProxyProtocolHeader.TryParse([.. header, .. FirstCommand], out var length, out var parsed));
        Assert.Equal(header.Length, length);
        Assert.Equal(client, parsed);
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public void Every_cut_of_a_header_is_incomplete_and_asks_for_more_than_it_has(string version)
    {
        var (header, _) = Sample(version);
        for (var cut = 0; cut < header.Length; cut++)
        {
            Assert.Equal(ProxyHeaderStatus.Incomplete, ProxyProtocolHeader.TryParse(header.AsSpan(0, cut), out var length, out _));
            Assert.InRange(length, cut + 1, header.Length);
        }
    }

    [Fact]
    public void Health_checks_give_no_client()
    {
        Assert.Equal(ProxyHeaderStatus.Complete, ProxyProtocolHeader.TryParse("PROXY UNKNOWN\r\n"u8, out _, out var unknown));
        Assert.Null(unknown);
        byte[] local = [.. V2[..12], 0x20, 0x00, 0x00, 0x00];
        Assert.Equal(ProxyHeaderStatus.Complete, ProxyProtocolHeader.TryParse(local, out var length, out var none));
        Assert.Equal(16, length);
        Assert.Null(none);
    }

    [Theory]
    [InlineData("a1 LOGIN alice secret\r\n")]
    [InlineData("PROXY TCP4 203.0.113.9 192.0.2.1 port 143\r\n")]
    [InlineData("PROXY TCP9 203.0.113.9 192.0.2.1 5555 143\r\n")]
    public void Anything_else_is_invalid(string text) =>
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyProtocolHeader.TryParse(Encoding.ASCII.GetBytes(text), out _, out _));

    [Fact]
    public void A_v1_line_without_its_end_in_107_octets_is_invalid() =>
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyProtocolHeader.TryParse(Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('1', 120)), out _, out _));

    [Fact]
    public void A_v2_header_longer_than_read_is_invalid()
    {
        byte[] huge = [.. V2[..12], 0x21, 0x11, 0x04, 0x01];
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyProtocolHeader.TryParse(huge, out _, out _));
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public async Task The_stream_reader_takes_the_header_and_not_an_octet_more(string version)
    {
        var (header, client) = Sample(version);
        using var stream = new MemoryStream([.. header, .. FirstCommand]);
        Assert.Equal(client, await ProxyProtocolHeader.ReadAsync(stream, CancellationToken.None));
        Assert.Equal(header.Length, stream.Position);
    }

    [Theory]
    [InlineData("a1 LOGIN alice secret\r\n", "no PROXY protocol header")]
    [InlineData("PROXY TCP4 203.0.113.9 192.0.2.1 port 143\r\n", "bad PROXY v1 header")]
    public async Task The_stream_reader_says_what_is_wrong(string text, string problem)
    {
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes(text));
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ProxyProtocolHeader.ReadAsync(stream, CancellationToken.None));
        Assert.Equal(problem, error.Message);
    }
}
