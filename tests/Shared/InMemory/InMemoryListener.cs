using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using FrontDoor.Core.Hosting;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Testing;

/// <summary>One FrontDoor listener in memory: each <see cref="Connect"/> queues FrontDoor's end of a new pair for the accept loop.</summary>
internal sealed class InMemoryListener : IConnectionListener
{
    private readonly Channel<ImapConnection> _accepted = Channel.CreateUnbounded<ImapConnection>();

    public InMemoryListener(IPEndPoint endPoint)
    {
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>A client connects from <paramref name="client"/>; it gets its end of the pair.</summary>
    /// <exception cref="SocketException">The listener is stopped: connection refused, as over TCP.</exception>
    public DuplexPipeStream Connect(IPEndPoint client)
    {
        var (frontDoor, peer) = InMemoryPipePair.Create();
        var connection = new InMemoryConnection(frontDoor, EndPoint, client);
        if (!_accepted.Writer.TryWrite(connection))
        {
            throw new SocketException((int)SocketError.ConnectionRefused);
        }

        return new DuplexPipeStream(peer);
    }

    public async ValueTask<ImapConnection?> AcceptAsync()
    {
        while (await _accepted.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (_accepted.Reader.TryRead(out var connection))
            {
                return connection;
            }
        }

        return null;
    }

    public void Dispose() => _accepted.Writer.TryComplete();
}
