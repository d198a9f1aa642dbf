using System.Collections.Concurrent;
using System.Net;
using FrontDoor.Core.Hosting;
using FrontDoor.Core.Sessions;

namespace FrontDoor.Testing;

/// <summary>
/// A test host's listeners in memory (registered for <see cref="IConnectionListenerFactory"/> in place of
/// sockets): a test connects to a listener by its name. Each listener's address is made up
/// (<see cref="TestAddresses.Listener"/>, the configured port, or 143 for port 0).
/// </summary>
internal sealed class InMemoryListenerFactory : IConnectionListenerFactory
{
    private readonly ConcurrentDictionary<string, InMemoryListener> _listeners = new(StringComparer.OrdinalIgnoreCase);

    public IConnectionListener Listen(ListenerOptions listener)
    {
        var port = listener.Endpoint.Port == 0 ? 143 : listener.Endpoint.Port;
        var accepting = new InMemoryListener(new IPEndPoint(TestAddresses.Listener, port));
        _listeners[listener.Name] = accepting;
        return accepting;
    }

    /// <summary>A client's end of a new connection to <paramref name="listener"/>, from <paramref name="client"/> or a made-up address.</summary>
    public DuplexPipeStream Connect(string listener, IPEndPoint? client = null) =>
        _listeners.TryGetValue(listener, out var accepting)
            ? accepting.Connect(client ?? TestAddresses.NextClient())
            : throw new InvalidOperationException($"no in-memory listener named {listener}");
}
