namespace FrontDoor.Core.Sessions;

/// <summary>The tag and name of the client command being relayed, kept across its lines without allocating.</summary>
internal sealed class ClientCommandState
{
    private byte[] _tag = new byte[32];
    private byte[] _name = new byte[32];
    private int _tagLength;
    private int _nameLength;

    public ReadOnlySpan<byte> Tag => _tag.AsSpan(0, _tagLength);

    public ReadOnlySpan<byte> Name => _name.AsSpan(0, _nameLength);

    /// <summary>True while the rest of a refused command is read and dropped.</summary>
    public bool Discarding { get; set; }

    /// <summary>True when the literal now awaited was converted from non-synchronizing.</summary>
    public bool LiteralConverted { get; set; }

    public void Start(ReadOnlySpan<byte> tag, ReadOnlySpan<byte> name)
    {
        Store(ref _tag, ref _tagLength, tag);
        Store(ref _name, ref _nameLength, name);
        Discarding = false;
        LiteralConverted = false;
    }

    private static void Store(ref byte[] buffer, ref int length, ReadOnlySpan<byte> value)
    {
        if (buffer.Length < value.Length)
        {
            buffer = new byte[value.Length];
        }

        value.CopyTo(buffer);
        length = value.Length;
    }
}
