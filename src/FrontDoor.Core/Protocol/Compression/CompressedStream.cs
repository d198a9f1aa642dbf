using System.Buffers;

namespace FrontDoor.Core.Protocol.Compression;

/// <summary>
/// RFC 4978 COMPRESS=DEFLATE under a connection's pipes: reads inflate what the peer sent, writes deflate
/// what FrontDoor sends, and each flush is a zlib sync flush, so every response (or command) the pipe
/// flushes reaches the peer whole (RFC 4978 section 4). Reads and writes may run at once (the two pumps);
/// each direction has its own zlib state.
/// </summary>
/// <remarks>
/// Buffers are taken from the pool only while bytes wait in them, and reads wait for data with zero-byte
/// reads: an idle compressed session holds its zlib state and nothing else. An inflated read never yields
/// more than the caller's buffer, so a small input that inflates to gigabytes (a "zip bomb") is read no
/// faster than the relay consumes it, and the relay's line and literal limits apply to the inflated bytes.
/// </remarks>
internal sealed class CompressedStream : Stream
{
    // Compressed input is read in pieces of this size, and compressed output written in pieces of this size.
    private const int InputBufferSize = 16 * 1024;
    private const int OutputBufferSize = 16 * 1024;

    // RFC 1951 sync flush marker and block header: with less room than this a flush could not finish.
    private const int FlushReserve = 16;

    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly Inflater _inflater = new();
    private readonly DeflateSettings _settings;
    private Deflater? _deflater;

    private byte[]? _input;
    private int _inputStart;
    private int _inputEnd;
    private bool _inflaterFull;

    private byte[]? _output;
    private int _outputCount;
    private bool _unflushed;
    private bool _innerDisposed;

    /// <param name="leftover">Bytes the peer sent after its COMPRESS exchange that were already read in plain: they are compressed.</param>
    public CompressedStream(Stream inner, DeflateSettings settings, ReadOnlySpan<byte> leftover, bool leaveOpen)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        _settings = settings;
        if (!leftover.IsEmpty)
        {
            _input = ArrayPool<byte>.Shared.Rent(Math.Max(InputBufferSize, leftover.Length));
            leftover.CopyTo(_input);
            _inputEnd = leftover.Length;
        }
    }

    /// <summary>Octets inflated from the peer so far.</summary>
    public long BytesInflated { get; private set; }

    /// <summary>Compressed octets read from the peer so far.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>Octets given to be compressed so far.</summary>
    public long BytesDeflated { get; private set; }

    /// <summary>Compressed octets written to the peer so far.</summary>
    public long BytesSent { get; private set; }

    /// <summary>Native zlib memory of both directions now.</summary>
    public long NativeBytes => _inflater.NativeBytes + (_deflater?.NativeBytes ?? 0);

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    private bool HasInput => _inputEnd > _inputStart || _inflaterFull;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            // The pipe's zero-byte read: done when there is something to inflate, else wait on the inner stream.
            if (!HasInput && !_inflater.Finished)
            {
                await _inner.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }

        while (true)
        {
            if (HasInput)
            {
                var written = Inflate(buffer.Span);
                if (written > 0)
                {
                    return written;
                }
            }

            if (_inflater.Finished)
            {
                // The peer ended its DEFLATE stream (a final block): nothing more can follow.
                return 0;
            }

            if (_input is null)
            {
                // Wait without a buffer, then take one only for the bytes that arrived.
                await _inner.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                _input = ArrayPool<byte>.Shared.Rent(InputBufferSize);
            }

            var read = await _inner.ReadAsync(_input.AsMemory(0, InputBufferSize), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                ReturnInput();
                return 0;
            }

            BytesReceived += read;
            _inputStart = 0;
            _inputEnd = read;
        }
    }

    private int Inflate(Span<byte> destination)
    {
        var input = _input is null ? ReadOnlySpan<byte>.Empty : _input.AsSpan(_inputStart, _inputEnd - _inputStart);
        _inflater.Decompress(input, destination, out var consumed, out var written);
        _inputStart += consumed;

        // A full destination may leave output inside zlib (a long match half copied) with no input left.
        _inflaterFull = written == destination.Length && !_inflater.Finished;
        if (_inputStart == _inputEnd)
        {
            ReturnInput();
        }

        BytesInflated += written;
        return written;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        BytesDeflated += buffer.Length;
        while (!buffer.IsEmpty)
        {
            _output ??= ArrayPool<byte>.Shared.Rent(OutputBufferSize);
            _deflater ??= new Deflater(_settings);
            _deflater.Compress(buffer.Span, _output.AsSpan(_outputCount, OutputBufferSize - _outputCount), ZLibNative.NoFlush, out var consumed, out var written);
            buffer = buffer[consumed..];
            _outputCount += written;
            _unflushed = true;
            if (_outputCount == OutputBufferSize)
            {
                await WriteOutputAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        // A sync flush with nothing new would still send an empty block: skip it.
        if (_unflushed && _deflater is not null)
        {
            _output ??= ArrayPool<byte>.Shared.Rent(OutputBufferSize);
            while (true)
            {
                if (OutputBufferSize - _outputCount < FlushReserve)
                {
                    await WriteOutputAsync(cancellationToken).ConfigureAwait(false);
                }

                var room = OutputBufferSize - _outputCount;
                _deflater.Compress(ReadOnlySpan<byte>.Empty, _output.AsSpan(_outputCount, room), ZLibNative.SyncFlush, out _, out var written);
                _outputCount += written;
                if (written < room)
                {
                    break;
                }
            }

            _unflushed = false;
            if (!_settings.KeepBetweenFlushes)
            {
                _deflater.Dispose();
                _deflater = null;
            }
        }

        if (_output is not null)
        {
            await WriteOutputAsync(cancellationToken).ConfigureAwait(false);
            ArrayPool<byte>.Shared.Return(_output);
            _output = null;
        }

        await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask WriteOutputAsync(CancellationToken cancellationToken)
    {
        if (_outputCount > 0)
        {
            await _inner.WriteAsync(_output.AsMemory(0, _outputCount), cancellationToken).ConfigureAwait(false);
            BytesSent += _outputCount;
            _outputCount = 0;
        }
    }

    private void ReturnInput()
    {
        if (_input is not null)
        {
            ArrayPool<byte>.Shared.Return(_input);
            _input = null;
        }

        _inputStart = _inputEnd = 0;
    }

    // Everything runs through the pipes' asynchronous calls; a synchronous call would block a socket thread.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush() => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        ReleaseNative();
        if (!_leaveOpen && !_innerDisposed)
        {
            _innerDisposed = true;
            await _inner.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ReleaseNative();
            if (!_leaveOpen && !_innerDisposed)
            {
                _innerDisposed = true;
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    // The pooled buffers are not given back here: a pump may still be inside a call that uses them.
    private void ReleaseNative()
    {
        _inflater.Dispose();
        _deflater?.Dispose();
    }
}
