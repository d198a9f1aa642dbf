using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Runtime.Versioning;
using FrontDoor.Core.Protocol.Compression;
using FrontDoor.Core.Protocol.Events;
using FrontDoor.Core.Protocol.Splicing;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// One connection seen as a pair of pipes, over TLS once it is started. Reads use zero-byte reads, so an idle
/// connection holds no receive buffer. The stream and the pipes are made when first used: a greeted
/// connection that has not sent a byte yet is at most the transport and one pending zero-byte receive
/// (<see cref="WaitForDataAsync"/>), and on Linux not even that: a socket's is parked as a bare descriptor
/// (<see cref="SocketConnection.TryDetach"/>, bench/README.md).
/// </summary>
/// <remarks>
/// The transport under it is a subclass: <see cref="SocketConnection"/> in production, an in-memory pipe
/// pair in tests. A subclass gives the octets as a stream (<see cref="TransportStream"/>) and the socket's
/// own operations (zero-byte wait, shutdown, addresses); the pipes, TLS and COMPRESS above it are the same
/// code for every transport, so a test over memory runs what production runs. Being the connection object
/// itself, the transport costs a socket connection no object of its own.
/// </remarks>
internal abstract partial class ImapConnection : IDuplexPipe, IAsyncDisposable
{
    // 64 KiB per read and write: a 50 MiB FETCH costs a quarter of the reads, flushes and thread-pool
    // hops of 16 KiB (bench/RESULTS.md). Idle connections hold none of it: reads are zero-byte reads until
    // data arrives, and written buffers go back to the pool at each flush.
    internal const int BufferSize = 64 * 1024;

    // TLS and/or COMPRESS over the transport stream, once started.
    private Stream? _layered;
    private PipeReader? _input;
    private PipeWriter? _output;
    private int _disposed;

    public Stream Stream => _layered ?? TransportStream;

    public PipeReader Input => _input ?? CreatePipes().Input;

    public PipeWriter Output => _output ?? CreatePipes().Output;

    /// <summary>
    /// Sends <paramref name="data"/> straight to the transport while nothing has made the pipes (a greeting in
    /// plain text); through the output pipe otherwise.
    /// </summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (_output is not null || _layered is not null)
        {
            await Output.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            return;
        }

        await SendToTransportAsync(data, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Completes when the client has sent something, or closed, or <see cref="StopWaiting"/> was called: a
    /// zero-byte receive, holding no buffer. Completes at once when the pipes or TLS already read.
    /// </summary>
    /// <returns>Nothing of use (the octets are read through <see cref="Input"/>); a ValueTask of the transport's own, so the wait allocates nothing.</returns>
    public ValueTask<int> WaitForDataAsync(CancellationToken cancellationToken) =>
        _input is not null || _layered is not null
            ? ValueTask.FromResult(0)
            : WaitForTransportDataAsync(cancellationToken);

    /// <summary>
    /// The FrontDoor event loop whose thread this connection's waits wake, if any: a backend connected for this
    /// client waits on the same one, so one thread relays the session both ways (docs/ARCHITECTURE.md).
    /// </summary>
    internal virtual SocketEventLoop? EventLoop => null;

    /// <summary>The octets as they cross the transport: a PROXY header is read from it, and TLS and COMPRESS are layered on it.</summary>
    public abstract Stream TransportStream { get; }

    /// <summary>The peer's address; null once closed, or when the transport has none.</summary>
    public abstract IPEndPoint? RemoteEndPoint { get; }

    /// <summary>This end's address (the listener's, for a client); null once closed, or when the transport has none.</summary>
    public abstract IPEndPoint? LocalEndPoint { get; }

    /// <summary>
    /// For a reader whose pipe holds nothing unexamined (<see cref="PipeReader.TryRead"/> said no): completes
    /// when the transport has something to read, closed, or <see cref="StopWaiting"/> was called. A zero-byte
    /// receive of the transport's own, so an idle relay pump holds no pending pipe read (its state machine and
    /// token registration, about 300 B per direction, bench/README.md). Completes at once under TLS or
    /// COMPRESS, whose layers may hold decoded bytes the transport no longer shows.
    /// </summary>
    /// <returns>Nothing of use; the octets are read through <see cref="Input"/>.</returns>
    public ValueTask<int> WaitForReadableAsync() =>
        _layered is not null
            ? ValueTask.FromResult(0)
            : WaitForTransportDataAsync(CancellationToken.None);

    /// <summary>Ends a pending <see cref="WaitForDataAsync"/> or <see cref="WaitForReadableAsync"/> from another thread: no more reads on this connection.</summary>
    public abstract void StopWaiting();

    /// <summary>Stops both directions at once; pending reads and writes fail or complete.</summary>
    public abstract void Abort();

    /// <summary>Writes to the transport itself, before any pipe or layer exists.</summary>
    internal abstract ValueTask SendToTransportAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>A zero-byte receive on the transport: it holds no buffer while it waits.</summary>
    internal abstract ValueTask<int> WaitForTransportDataAsync(CancellationToken cancellationToken);

    /// <summary>Closes the transport, after the pipes and layers over it are done.</summary>
    internal abstract ValueTask DisposeTransportAsync();

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
        await CompletePipesAsync(forget: true).ConfigureAwait(false);
        var tls = new SslStream(TransportStream, leaveInnerStreamOpen: true);
        try
        {
            await handshake(tls).ConfigureAwait(false);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _layered = tls;
        IsTls = true;
    }

    /// <summary>
    /// The socket under a connection that reads and writes it as it is (no TLS, no COMPRESS), for
    /// <see cref="Splicing.KernelPipe"/>; null for any other. Its octets may then move between sockets
    /// without passing through the pipes, by a reader whose <see cref="Input"/> holds nothing and a writer
    /// that has flushed <see cref="Output"/>.
    /// </summary>
    internal System.Runtime.InteropServices.SafeHandle? PlainSocket => _layered is null ? TransportSocket : null;

    /// <summary>The transport's socket, when it is one.</summary>
    private protected virtual System.Runtime.InteropServices.SafeHandle? TransportSocket => null;

    /// <summary>
    /// Moves up to <paramref name="count"/> octets from <see cref="PlainSocket"/> into <paramref name="pipe"/> (a
    /// splice), telling the socket's readiness what it found as a read of <see cref="TransportStream"/> does:
    /// <see cref="WaitForReadableAsync"/> then waits for what the splice did not find, and does not wait for
    /// what it may have left.
    /// </summary>
    /// <returns>As <see cref="KernelPipe.FillFrom"/>.</returns>
    [SupportedOSPlatform("linux")]
    internal virtual long SpliceInto(KernelPipe pipe, long count) =>
        pipe.FillFrom(PlainSocket ?? throw new InvalidOperationException("not a plain socket"), count);

    /// <summary>True once TLS is running on this connection.</summary>
    public bool IsTls { get; private set; }

    /// <summary>True once COMPRESS=DEFLATE runs on this connection (RFC 4978).</summary>
    public bool IsCompressed => _layered is CompressedStream;

    /// <summary>The compression layer, when it runs: its byte counts and zlib memory.</summary>
    internal CompressedStream? CompressionLayer => _layered as CompressedStream;

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

        await CompletePipesAsync(forget: true).ConfigureAwait(false);
        var compressed = new CompressedStream(Stream, settings, leftover, leaveOpen: _layered is null);
        _layered = compressed;
    }

    /// <summary>
    /// Ends the pending (and next) read of <see cref="Input"/> from any thread, and a pending
    /// <see cref="WaitForReadableAsync"/>; nothing when the connection is closed already. No more bytes are
    /// read from the transport after it: a stopped reader is ending.
    /// </summary>
    public void CancelPendingRead()
    {
        CancelInputRead();
        StopWaiting();
    }

    /// <summary>
    /// <see cref="CancelPendingRead"/>, then <see cref="Abort"/>, with one shutdown: Abort's, both ways, ends
    /// the waits that the receive shutdown of <see cref="StopWaiting"/> would (bench/README.md, per-login
    /// system calls).
    /// </summary>
    public void CancelPendingReadAndAbort()
    {
        CancelInputRead();
        Abort();
    }

    private void CancelInputRead()
    {
        try
        {
            Input.CancelPendingRead();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
        {
            // The connection is already closed: nothing is reading.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Abort();
        await CompletePipesAsync(forget: false).ConfigureAwait(false);
        if (_layered is not null)
        {
            await _layered.DisposeAsync().ConfigureAwait(false);
        }

        await DisposeTransportAsync().ConfigureAwait(false);
    }

    /// <param name="forget">True when a layer starts (TLS, COMPRESS): the next use makes new pipes over it.</param>
    private async ValueTask CompletePipesAsync(bool forget)
    {
        if (_input is not null)
        {
            await _input.CompleteAsync().ConfigureAwait(false);
        }

        if (_output is not null)
        {
            await _output.CompleteAsync().ConfigureAwait(false);
        }

        if (forget)
        {
            (_input, _output) = (null, null);
        }
    }

    private (PipeReader Input, PipeWriter Output) CreatePipes()
    {
        var stream = Stream;
        _input = new InputReader(this, stream);
        _output = new OutputWriter(stream);
        return (_input, _output);
    }
}
