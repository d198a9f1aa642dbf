using FrontDoor.Core.Hosting;
using FrontDoor.Core.Sessions;
using FrontDoor.Testing;

namespace FrontDoor.Bench;

/// <summary>
/// Scenario 10's listeners: the one named <paramref name="inMemoryListener"/> in memory (where the 100,000
/// idle sessions come in, beyond this machine's file descriptor limit), every other on a real socket.
/// </summary>
internal sealed class MixedListenerFactory(InMemoryListenerFactory inMemory, SocketListenerFactory sockets, string inMemoryListener) : IConnectionListenerFactory
{
    public IConnectionListener Listen(ListenerOptions listener) =>
        string.Equals(listener.Name, inMemoryListener, StringComparison.OrdinalIgnoreCase)
            ? inMemory.Listen(listener)
            : sockets.Listen(listener);
}
