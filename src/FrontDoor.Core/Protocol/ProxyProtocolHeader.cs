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

    /// <summary>The client's address from the header; null for LOCAL / UNKNOWN (a health check).</summary>
    public static async Task<IPEndPoint?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var start = new byte[12];
        await stream.ReadExactlyAsync(start.AsMemory(0, 5), cancellationToken).ConfigureAwait(false);
        if (start.AsSpan(0, 5).SequenceEqual("PROXY"u8))
        {
            return await ReadV1Async(stream, cancellationToken).ConfigureAwait(false);
        }

        await stream.ReadExactlyAsync(start.AsMemory(5, 7), cancellationToken).ConfigureAwait(false);
        if (!start.AsSpan().SequenceEqual(V2Signature))
        {
            throw new InvalidDataException("no PROXY protocol header");
        }

        var fixedPart = new byte[4];
        await stream.ReadExactlyAsync(fixedPart, cancellationToken).ConfigureAwait(false);
        var version = fixedPart[0] >> 4;
        var command = fixedPart[0] & 0x0F;
        var length = BinaryPrimitives.ReadUInt16BigEndian(fixedPart.AsSpan(2));
        if (version != 2 || command > 1 || length > 1024)
        {
            throw new InvalidDataException("bad PROXY v2 header");
        }

        var body = new byte[length];
        await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        if (command == 0)
        {
            return null;
        }

        return (fixedPart[1] >> 4) switch
        {
            1 when length >= 12 => new IPEndPoint(new IPAddress(body.AsSpan(0, 4)), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(8))),
            2 when length >= 36 => new IPEndPoint(new IPAddress(body.AsSpan(0, 16)), BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(32))),
            _ => null,
        };
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

    private static async Task<IPEndPoint?> ReadV1Async(Stream stream, CancellationToken cancellationToken)
    {
        // "PROXY TCP4 192.0.2.1 198.51.100.1 56324 143\r\n", at most 107 octets in all.
        var line = new List<byte>(64);
        var one = new byte[1];
        while (true)
        {
            await stream.ReadExactlyAsync(one, cancellationToken).ConfigureAwait(false);
            if (one[0] == (byte)'\n')
            {
                break;
            }

            line.Add(one[0]);
            if (line.Count > V1MaxLength - 5)
            {
                throw new InvalidDataException("PROXY v1 header too long");
            }
        }

        var parts = Encoding.ASCII.GetString([.. line]).TrimEnd('\r').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length >= 1 && parts[0] == "UNKNOWN")
        {
            return null;
        }

        if (parts.Length != 5 || parts[0] is not ("TCP4" or "TCP6")
            || !IPAddress.TryParse(parts[1], out var address)
            || !ushort.TryParse(parts[3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            throw new InvalidDataException("bad PROXY v1 header");
        }

        return new IPEndPoint(address, port);
    }
}
