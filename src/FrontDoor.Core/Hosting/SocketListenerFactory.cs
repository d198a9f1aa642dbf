using System.Net.Sockets;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Sessions;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Hosting;

/// <summary>Production's listeners: a TCP socket bound to each listener's endpoint.</summary>
internal sealed class SocketListenerFactory(TimeProvider time, ILogger<SocketListener> logger) : IConnectionListenerFactory
{
    public IConnectionListener Listen(ListenerOptions listener)
    {
        var socket = new Socket(listener.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(listener.Endpoint);
            socket.Listen(1024);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new FrontDoorConfigurationException($"<listener name=\"{listener.Name}\"> endpoint=\"{listener.Endpoint}\": cannot listen: {ex.Message}", ex);
        }

        // Taken before the first accept: from now on the last descriptors are the runtime's.
        DescriptorReserve.Shared.TryTake();
        return new SocketListener(socket, listener.Name, time, logger);
    }
}
