using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// The HAProxy PROXY protocol, versions 1 (text) and 2 (binary): reads the header a trusted load balancer
/// puts before the client's first byte, and writes a v2 header towards a backend. Reads exactly the
/// header's octets from the stream, so a TLS handshake that follows is untouched.
/// </summary>
internal static class ProxyProtocolHeader
{
    private static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
    private const int V1MaxLength = 107;

    /// <summary>The longest header read: a v2 header with up to 1024 octets of addresses and TLVs.</summary>
    public const int MaxLength = 16 + 1024;

    /// <summary>The client's address from the header; null for LOCAL / UNKNOWN (a health check).</summary>
    /// <exception cref="InvalidDataException">Not a PROXY header, or a bad one.</exception>
    public static async Task<IPEndPoint?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        // Exactly as many octets as the header needs, so a TLS handshake that follows is untouched.
        var buffer = new byte[MaxLength];
        var have = 0;
        while (true)
        {
            switch (TryParse(buffer.AsSpan(0, have), out var length, out var client))
            {
                case ProxyHeaderStatus.Complete:
                    return client;
                case ProxyHeaderStatus.Invalid:
                    throw new InvalidDataException(Problem(buffer.AsSpan(0, have)));
            }

            await stream.ReadExactlyAsync(buffer.AsMemory(have, length - have), cancellationToken).ConfigureAwait(false);
            have = length;
        }
    }

    /// <summary>
    /// Parses the header at the start of <paramref name="data"/>, which may hold more (the client's first
    /// octets) or less.
    /// </summary>
    /// <param name="length">Complete: the header's length. Incomplete: how many octets it needs at least (more may be asked later).</param>
    /// <param name="client">Complete: the client's address; null for LOCAL / UNKNOWN (a health check).</param>
    public static ProxyHeaderStatus TryParse(ReadOnlySpan<byte> data, out int length, out IPEndPoint? client)
    {
        client = null;
        if (data.Length < 5)
        {
            length = 5;
            return ProxyHeaderStatus.Incomplete;
        }

        if (data[..5].SequenceEqual("PROXY"u8))
        {
            return TryParseV1(data, out length, out client);
        }

        length = 16;
        if (data.Length < 12)
        {
            return data.SequenceEqual(V2Signature.AsSpan(0, data.Length)) ? ProxyHeaderStatus.Incomplete : ProxyHeaderStatus.Invalid;
        }

        if (!data[..12].SequenceEqual(V2Signature))
        {
            return ProxyHeaderStatus.Invalid;
        }

        if (data.Length < 16)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        var command = data[12] & 0x0F;
        var bodyLength = BinaryPrimitives.ReadUInt16BigEndian(data[14..]);
        if (data[12] >> 4 != 2 || command > 1 || bodyLength > MaxLength - 16)
        {
            return ProxyHeaderStatus.Invalid;
        }

        length = 16 + bodyLength;
        if (data.Length < length)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        var body = data[16..length];
        client = command == 0 ? null : (data[13] >> 4) switch
        {
            1 when bodyLength >= 12 => new IPEndPoint(new IPAddress(body[..4]), BinaryPrimitives.ReadUInt16BigEndian(body[8..])),
            2 when bodyLength >= 36 => new IPEndPoint(new IPAddress(body[..16]), BinaryPrimitives.ReadUInt16BigEndian(body[32..])),
            _ => null,
        };
        return ProxyHeaderStatus.Complete;
    }

    /// <summary>A v2 PROXY header for a TCP connection from <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public static byte[] WriteV2(IPEndPoint source, IPEndPoint destination)
    {
        var v6 = source.AddressFamily == AddressFamily.InterNetworkV6 || destination.AddressFamily == AddressFamily.InterNetworkV6;
        var addressLength = v6 ? 16 : 4;
        var length = (addressLength * 2) + 4;
        var header = new byte[16 + length];
        V2Signature.CopyTo(header, 0);
        header[12] = 0x21;
        header[13] = (byte)(v6 ? 0x21 : 0x11);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)length);
        var src = v6 ? source.Address.MapToIPv6() : source.Address.MapToIPv4();
        var dst = v6 ? destination.Address.MapToIPv6() : destination.Address.MapToIPv4();
        src.TryWriteBytes(header.AsSpan(16), out _);
        dst.TryWriteBytes(header.AsSpan(16 + addressLength), out _);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(16 + (addressLength * 2)), (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(18 + (addressLength * 2)), (ushort)destination.Port);
        return header;
    }

    private static ProxyHeaderStatus TryParseV1(ReadOnlySpan<byte> data, out int length, out IPEndPoint? client)
    {
        // "PROXY TCP4 192.0.2.1 198.51.100.1 56324 143\r\n", at most 107 octets in all.
        client = null;
        var end = data[..Math.Min(data.Length, V1MaxLength)].IndexOf((byte)'\n');
        if (end < 0)
        {
            length = data.Length + 1;
            return data.Length >= V1MaxLength ? ProxyHeaderStatus.Invalid : ProxyHeaderStatus.Incomplete;
        }

        length = end + 1;
        var parts = Encoding.ASCII.GetString(data[5..end]).TrimEnd('\r').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length >= 1 && parts[0] == "UNKNOWN")
        {
            return ProxyHeaderStatus.Complete;
        }

        if (parts.Length != 5 || parts[0] is not ("TCP4" or "TCP6")
            || !IPAddress.TryParse(parts[1], out var address)
            || !ushort.TryParse(parts[3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            return ProxyHeaderStatus.Invalid;
        }

        client = new IPEndPoint(address, port);
        return ProxyHeaderStatus.Complete;
    }

    /// <summary>What is wrong with <paramref name="data"/>, which <see cref="TryParse"/> found invalid.</summary>
    private static string Problem(ReadOnlySpan<byte> data) =>
        data.Length >= 5 && data[..5].SequenceEqual("PROXY"u8) ? (data.IndexOf((byte)'\n') < 0 ? "PROXY v1 header too long" : "bad PROXY v1 header")
        : data.Length >= 12 && data[..12].SequenceEqual(V2Signature) ? "bad PROXY v2 header"
        : "no PROXY protocol header";
}
