using System.IO.Compression;

namespace FrontDoor.Testing;

/// <summary>A hostile DEFLATE stream: about 1 KiB of input per MiB of output, all one byte and no line end.</summary>
internal static class DeflateBomb
{
    public static byte[] Create(long inflatedLength)
    {
        var wire = new MemoryStream();
        using (var deflate = new DeflateStream(wire, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var chunk = new byte[1 << 20];
            Array.Fill(chunk, (byte)'A');
            for (long written = 0; written < inflatedLength; written += chunk.Length)
            {
                deflate.Write(chunk, 0, (int)Math.Min(chunk.Length, inflatedLength - written));
            }

            deflate.Flush();
        }

        return wire.ToArray();
    }
}
