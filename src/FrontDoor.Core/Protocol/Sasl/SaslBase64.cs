namespace FrontDoor.Core.Protocol.Sasl;

/// <summary>The base64 of SASL responses in IMAP (RFC 9051 section 6.2.2; "=" is an empty initial response, RFC 4959).</summary>
internal static class SaslBase64
{
    public static bool TryDecode(ReadOnlySpan<byte> line, out byte[] decoded)
    {
        if (line.Length == 1 && line[0] == (byte)'=')
        {
            decoded = [];
            return true;
        }

        var buffer = new byte[System.Buffers.Text.Base64.GetMaxDecodedFromUtf8Length(line.Length)];
        var status = System.Buffers.Text.Base64.DecodeFromUtf8(line, buffer, out var consumed, out var written);
        if (status != System.Buffers.OperationStatus.Done || consumed != line.Length)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer);
            decoded = [];
            return false;
        }

        decoded = buffer.AsSpan(0, written).ToArray();
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer);
        return true;
    }
}
