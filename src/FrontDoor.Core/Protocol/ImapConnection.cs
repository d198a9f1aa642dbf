using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using FrontDoor.Core.Protocol.Compression;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// One socket seen as a pair of pipes, over TLS once it is started. Reads use zero-byte reads, so an idle
/// connection holds no receive buffer.
/// </summary>
internal sealed class ImapConnection : IAsyncDisposable
{
    // 64 KiB per read and write: a 50 MiB FETCH costs a quarter of the reads, flushes and thread-pool
    // hops of 16 KiB (bench/RESULTS.md). Idle connections hold none of it: reads are zero-byte reads until
    // data arrives, and written buffers go back to the pool at each flush.
    internal const int BufferSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _network;
    private int _disposed;

    public ImapConnection(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _network = new NetworkStream(socket, ownsSocket: false);
        Stream = _network;
        (Input, Output) = CreatePipes(_network);
    }

    public Stream Stream { get; private set; }

    public PipeReader Input { get; private set; }

    public PipeWriter Output { get; private set; }

    // Read from the socket (which caches them) when asked, and only while open: most connections, the
    // backend's among them, never need their addresses, and each one held is memory for the session's life.
    public IPEndPoint? RemoteEndPoint => _socket.RemoteEndPoint as IPEndPoint;

    public IPEndPoint? LocalEndPoint => _socket.LocalEndPoint as IPEndPoint;

    /// <summary>
    /// Starts TLS as a client (implicit TLS, or after the backend's STARTTLS OK). Anything buffered in
    /// plain text is dropped, so nothing injected before the handshake is read as if it came over TLS.
    /// </summary>
    public Task StartTlsAsClientAsync(SslClientAuthenticationOptions options, CancellationToken cancellationToken) =>
        StartTlsAsync(tls => tls.AuthenticateAsClientAsync(options, cancellationToken));

    /// <summary>
    /// Starts TLS as the server (implicit TLS at accept, or after FrontDoor's STARTTLS OK). Anything the
    /// client pipelined in plain text after STARTTLS is dropped: it must not be taken as sent over TLS
    /// (the STARTTLS command-injection class, RFC 9051 section 11.1).
    /// </summary>
    public Task StartTlsAsServerAsync(SslServerAuthenticationOptions options, CancellationToken cancellationToken) =>
        StartTlsAsync(tls => tls.AuthenticateAsServerAsync(options, cancellationToken));

    /// <summary>Drops the plain-text pipes, runs the handshake, and reads and writes through TLS from then on.</summary>
    private async Task StartTlsAsync(Func<SslStream, Task> handshake)
    {
        await Input.CompleteAsync().ConfigureAwait(false);
        await Output.CompleteAsync().ConfigureAwait(false);
        var tls = new SslStream(_network, leaveInnerStreamOpen: true);
        try
        {
            await handshake(tls).ConfigureAwait(false);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        Stream = tls;
        IsTls = true;
        (Input, Output) = CreatePipes(tls);
    }

    /// <summary>True once TLS is running on this connection.</summary>
    public bool IsTls { get; private set; }

    /// <summary>True once COMPRESS=DEFLATE runs on this connection (RFC 4978).</summary>
    public bool IsCompressed => Stream is CompressedStream;

    /// <summary>The compression layer, when it runs: its byte counts and zlib memory.</summary>
    internal CompressedStream? CompressionLayer => Stream as CompressedStream;

    /// <summary>
    /// RFC 4978 section 3: from here on both directions are raw DEFLATE, under new pipes over the current
    /// stream (TLS included). The caller has flushed the plain-text OK and neither reads nor writes
    /// meanwhile. Bytes already read past the OK were sent compressed and are inflated first.
    /// </summary>
    public async Task StartCompressionAsync(DeflateSettings settings)
    {
        byte[] leftover = [];
        if (Input.TryRead(out var pending))
        {
            leftover = pending.Buffer.ToArray();
            Input.AdvanceTo(pending.Buffer.End);
        }

        await Input.CompleteAsync().ConfigureAwait(false);
        await Output.CompleteAsync().ConfigureAwait(false);
        var compressed = new CompressedStream(Stream, settings, leftover, leaveOpen: ReferenceEquals(Stream, _network));
        Stream = compressed;
        (Input, Output) = CreatePipes(compressed);
    }

    /// <summary>The raw socket stream, for a PROXY header read before any pipe reads.</summary>
    public Stream NetworkStream => _network;

    /// <summary>Stops both directions at once; pending reads and writes fail or complete.</summary>
    public void Abort()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already gone: nothing to stop.
        }
        catch (ObjectDisposedException)
        {
            // Already disposed by the other pump.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Abort();
        await Input.CompleteAsync().ConfigureAwait(false);
        await Output.CompleteAsync().ConfigureAwait(false);
        if (!ReferenceEquals(Stream, _network))
        {
            await Stream.DisposeAsync().ConfigureAwait(false);
        }

        await _network.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }

    // Shared: a pipe keeps a reference to its options for its whole life.
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: BufferSize, minimumReadSize: 2048, leaveOpen: true, useZeroByteReads: true);
    private static readonly StreamPipeWriterOptions WriterOptions = new(minimumBufferSize: BufferSize, leaveOpen: true);

    private static (PipeReader Input, PipeWriter Output) CreatePipes(Stream stream) => (
        PipeReader.Create(stream, ReaderOptions),
        PipeWriter.Create(stream, WriterOptions));
}
