using System.Runtime.InteropServices;

namespace FrontDoor.Core.Protocol.Compression;

/// <summary>
/// One zlib stream in native memory (zlib keeps a pointer back to its z_stream, so it must not move), with
/// its allocation counter beside it. Calls and the free are serialized: a session ending on another thread
/// must never free the state under a running call.
/// </summary>
internal abstract unsafe class ZCodec : IDisposable
{
    private readonly ZLibNative.ZStream* _stream;
    private readonly long* _allocated;
    private readonly Lock _lock = new();
    private bool _disposed;

    protected ZCodec()
    {
        var block = (byte*)NativeMemory.AllocZeroed((nuint)(sizeof(ZLibNative.ZStream) + sizeof(long)));
        _stream = (ZLibNative.ZStream*)block;
        _allocated = (long*)(block + sizeof(ZLibNative.ZStream));
        _stream->ZAlloc = &ZLibMemory.Allocate;
        _stream->ZFree = &ZLibMemory.Free;
        _stream->Opaque = _allocated;
    }

    /// <summary>Bytes zlib holds for this stream now.</summary>
    public long NativeBytes => Volatile.Read(ref *_allocated);

    protected static int StreamSize => sizeof(ZLibNative.ZStream);

    /// <summary>Runs <paramref name="call"/> once over the given buffers; returns zlib's code and what moved.</summary>
    protected int Run(ReadOnlySpan<byte> input, Span<byte> output, int flush, out int consumed, out int written)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            fixed (byte* inPtr = input)
            fixed (byte* outPtr = output)
            {
                _stream->NextIn = inPtr;
                _stream->AvailIn = (uint)input.Length;
                _stream->NextOut = outPtr;
                _stream->AvailOut = (uint)output.Length;
                var code = Call(_stream, flush);
                consumed = input.Length - (int)_stream->AvailIn;
                written = output.Length - (int)_stream->AvailOut;

                // zlib must not keep pointers into buffers that are about to move or go back to a pool.
                _stream->NextIn = null;
                _stream->NextOut = null;
                _stream->AvailIn = 0;
                _stream->AvailOut = 0;
                return code;
            }
        }
    }

    /// <summary>zlib's message for the last error, if it gave one.</summary>
    protected string Message(int code) =>
        _stream->Msg == null ? $"zlib error {code}" : Marshal.PtrToStringAnsi((nint)_stream->Msg) ?? $"zlib error {code}";

    protected void Initialize(Func<nint, int> init, string what)
    {
        var code = init((nint)_stream);
        if (code != ZLibNative.Ok)
        {
            // Marked disposed, so the finalizer does not end a stream zlib never started.
            _disposed = true;
            NativeMemory.Free(_stream);
            throw new InvalidOperationException($"zlib {what} failed ({code})");
        }
    }

    protected abstract int Call(ZLibNative.ZStream* stream, int flush);

    protected abstract void End(ZLibNative.ZStream* stream);

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            End(_stream);
            NativeMemory.Free(_stream);
        }

        GC.SuppressFinalize(this);
    }

    ~ZCodec()
    {
        Dispose();
    }
}
