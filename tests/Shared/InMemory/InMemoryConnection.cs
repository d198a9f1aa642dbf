using System.IO.Pipelines;
using System.Net;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Testing;

/// <summary>
/// FrontDoor's end of an in-memory pair, as the <see cref="ImapConnection"/> its sessions run on: the same
/// pipes, TLS and COMPRESS code as over a socket, on a <see cref="DuplexPipeStream"/> instead of a network
/// stream. Its addresses are made up from the documentation ranges (RFC 5737), so they are plainly a test's.
/// </summary>
internal sealed class InMemoryConnection : ImapConnection
{
    private readonly DuplexPipeStream _stream;
    private readonly IPEndPoint _local;
    private readonly IPEndPoint _remote;

    public InMemoryConnection(IDuplexPipe transport, IPEndPoint local, IPEndPoint remote)
    {
        _stream = new DuplexPipeStream(transport);
        _local = local;
        _remote = remote;
    }

    public override Stream TransportStream => _stream;

    public override IPEndPoint? RemoteEndPoint => _remote;

    public override IPEndPoint? LocalEndPoint => _local;

    public override void StopWaiting() => _stream.ShutdownReceive();

    public override void Abort() => _stream.Abort();

    internal override ValueTask SendToTransportAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        _stream.WriteAsync(data, cancellationToken);

    internal override ValueTask<int> WaitForTransportDataAsync(CancellationToken cancellationToken) =>
        _stream.ReadAsync(Memory<byte>.Empty, cancellationToken);

    internal override ValueTask DisposeTransportAsync() => _stream.DisposeAsync();
}
