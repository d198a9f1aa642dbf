using System.Buffers;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// Gives a line as one span. A line almost always lies in one buffer segment and is used in place; the
/// rare line that straddles segments is copied into a pooled array, reused by later lines and returned at the end.
/// </summary>
internal struct LineBuffer : IDisposable
{
    private byte[]? _scratch;

    public ReadOnlySpan<byte> GetSpan(in ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment)
        {
            return line.FirstSpan;
        }

        var length = checked((int)line.Length);
        if (_scratch is null || _scratch.Length < length)
        {
            if (_scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(_scratch);
            }

            _scratch = ArrayPool<byte>.Shared.Rent(length);
        }

        line.CopyTo(_scratch);
        return _scratch.AsSpan(0, length);
    }

    public void Dispose()
    {
        if (_scratch is not null)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = null;
        }
    }
}
