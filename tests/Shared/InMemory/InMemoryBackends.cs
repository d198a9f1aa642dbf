using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FrontDoor.Core.Backends;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Testing;

/// <summary>
/// Backends reachable over in-memory pairs, registered for <see cref="IBackendDialer"/> in place of TCP: a
/// test's backend listens on a made-up endpoint (<c>scripted-N.invalid:143</c>), and FrontDoor's connect to
/// it hands the backend the other end of a new pair. One per process, as the loopback network is; an
/// endpoint nobody listens on refuses, as TCP does.
/// </summary>
internal sealed class InMemoryBackends : IBackendDialer
{
    public static InMemoryBackends Network { get; } = new();

    private readonly ConcurrentDictionary<string, Action<DuplexPipeStream>> _listening = new(StringComparer.OrdinalIgnoreCase);
    private int _next;

    /// <summary>Listens on a new endpoint; each connection FrontDoor makes to it is given to <paramref name="accept"/>.</summary>
    public BackendEndpoint Listen(Action<DuplexPipeStream> accept)
    {
        var endpoint = new BackendEndpoint($"scripted-{Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture)}.invalid", 143);
        _listening[Key(endpoint)] = accept;
        return endpoint;
    }

    public void Stop(BackendEndpoint endpoint) => _listening.TryRemove(Key(endpoint), out _);

    public ValueTask<ImapConnection> ConnectAsync(BackendEndpoint endpoint, ImapConnection? client, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_listening.TryGetValue(Key(endpoint), out var accept))
        {
            throw new SocketException((int)SocketError.ConnectionRefused);
        }

        var (frontDoor, backend) = InMemoryPipePair.Create();
        accept(new DuplexPipeStream(backend));
        return ValueTask.FromResult<ImapConnection>(new InMemoryConnection(frontDoor, new IPEndPoint(TestAddresses.Listener, TestAddresses.NextPort()), new IPEndPoint(TestAddresses.Backend, endpoint.Port)));
    }

    private static string Key(BackendEndpoint endpoint) => $"{endpoint.Host}:{endpoint.Port.ToString(CultureInfo.InvariantCulture)}";
}
