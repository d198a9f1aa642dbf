using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// One socket seen as a pair of pipes. The stream is kept so TLS can be layered later (STARTTLS).
/// Reads use zero-byte reads, so an idle connection holds no receive buffer.
/// </summary>
internal sealed class ImapConnection : IAsyncDisposable
{
    internal const int BufferSize = 16 * 1024;

    private readonly Socket _socket;
    private int _disposed;

    public ImapConnection(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
        Stream = new NetworkStream(socket, ownsSocket: false);
        RemoteEndPoint = socket.RemoteEndPoint as IPEndPoint;
        LocalEndPoint = socket.LocalEndPoint as IPEndPoint;
        Input = PipeReader.Create(Stream, new StreamPipeReaderOptions(bufferSize: BufferSize, minimumReadSize: 2048, leaveOpen: true, useZeroByteReads: true));
        Output = PipeWriter.Create(Stream, new StreamPipeWriterOptions(minimumBufferSize: BufferSize, leaveOpen: true));
    }

    public Stream Stream { get; }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public IPEndPoint? RemoteEndPoint { get; }

    public IPEndPoint? LocalEndPoint { get; }

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
        await Stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }
}
