namespace FrontDoor.Core.Protocol.Compression;

/// <summary>A peer's compressed stream does not inflate: the session cannot go on (RFC 4978 has no recovery).</summary>
internal sealed class InvalidCompressedDataException : IOException
{
    public InvalidCompressedDataException(string message)
        : base(message)
    {
    }

    public InvalidCompressedDataException()
    {
    }

    public InvalidCompressedDataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
