using System.Buffers;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// Where a rewritten line is assembled: two pooled arrays used in turn, so a rewriter after the first can
/// read the line the one before built while the next one is written. Rented on the first rewrite only, so
/// lines that pass cost nothing; returned when the relay ends.
/// </summary>
internal struct RewriteBuffer : IDisposable
{
    private byte[]? _a;
    private byte[]? _b;
    private bool _useB;

    /// <summary>Assembles prefix + replacement + separator + suffix into the array not in use; returns the line.</summary>
    public Span<byte> Assemble(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> replacement, ReadOnlySpan<byte> suffix, bool spaceBeforeSuffix)
    {
        var space = spaceBeforeSuffix && !suffix.IsEmpty && (replacement.IsEmpty || replacement[^1] != (byte)' ') ? 1 : 0;
        var length = prefix.Length + replacement.Length + space + suffix.Length;
        _useB = !_useB;
        ref var array = ref _useB ? ref _b : ref _a;
        if (array is null || array.Length < length)
        {
            if (array is not null)
            {
                ArrayPool<byte>.Shared.Return(array);
            }

            array = ArrayPool<byte>.Shared.Rent(Math.Max(length, 256));
        }

        var target = array.AsSpan(0, length);
        prefix.CopyTo(target);
        replacement.CopyTo(target[prefix.Length..]);
        if (space == 1)
        {
            target[prefix.Length + replacement.Length] = (byte)' ';
        }

        suffix.CopyTo(target[(prefix.Length + replacement.Length + space)..]);
        return target;
    }

    public void Dispose()
    {
        if (_a is not null)
        {
            ArrayPool<byte>.Shared.Return(_a);
            _a = null;
        }

        if (_b is not null)
        {
            ArrayPool<byte>.Shared.Return(_b);
            _b = null;
        }
    }
}
