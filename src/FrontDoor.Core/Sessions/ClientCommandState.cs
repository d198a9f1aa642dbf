using System.Runtime.CompilerServices;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// The tag and name of the client command being relayed, kept across its lines without allocating. Both
/// are held in the state itself up to 32 octets (two arrays were 112 B more per session); a longer one
/// gets an array of its own. A struct held in its pump, not an object of its own (one more per login,
/// bench/README.md, garbage per login): keep it in a field and never copy it.
/// </summary>
internal struct ClientCommandState
{
    private Bytes32 _tag;
    private Bytes32 _name;
    private byte[]? _longTag;
    private byte[]? _longName;
    private int _tagLength;
    private int _nameLength;

    [System.Diagnostics.CodeAnalysis.UnscopedRef]
    public readonly ReadOnlySpan<byte> Tag => _tagLength <= Bytes32.Length ? ((ReadOnlySpan<byte>)_tag)[.._tagLength] : _longTag.AsSpan(0, _tagLength);

    [System.Diagnostics.CodeAnalysis.UnscopedRef]
    public readonly ReadOnlySpan<byte> Name => _nameLength <= Bytes32.Length ? ((ReadOnlySpan<byte>)_name)[.._nameLength] : _longName.AsSpan(0, _nameLength);

    /// <summary>True while the rest of a refused command is read and dropped.</summary>
    public bool Discarding { get; set; }

    /// <summary>True when the literal now awaited was converted from non-synchronizing.</summary>
    public bool LiteralConverted { get; set; }

    public void Start(ReadOnlySpan<byte> tag, ReadOnlySpan<byte> name)
    {
        Store(_tag, ref _longTag, ref _tagLength, tag);
        Store(_name, ref _longName, ref _nameLength, name);
        Discarding = false;
        LiteralConverted = false;
    }

    private static void Store(Span<byte> inline, ref byte[]? spill, ref int length, ReadOnlySpan<byte> value)
    {
        if (value.Length <= inline.Length)
        {
            value.CopyTo(inline);
        }
        else
        {
            if (spill is null || spill.Length < value.Length)
            {
                spill = new byte[value.Length];
            }

            value.CopyTo(spill);
        }

        length = value.Length;
    }

    [InlineArray(Length)]
    private struct Bytes32
    {
        public const int Length = 32;

        private byte _first;
    }
}
