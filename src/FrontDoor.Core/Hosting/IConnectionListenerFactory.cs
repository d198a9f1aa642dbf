using FrontDoor.Core.Hooks;
using FrontDoor.Core.Sessions;

namespace FrontDoor.Core.Hosting;

/// <summary>
/// Where a listener's connections come from: TCP sockets in production (<see cref="SocketListenerFactory"/>);
/// a test host registers an in-memory one instead, so sessions run without loopback TCP.
/// </summary>
internal interface IConnectionListenerFactory
{
    /// <summary>Starts accepting for <paramref name="listener"/>.</summary>
    /// <exception cref="FrontDoorConfigurationException">The endpoint cannot be listened on; the message names the listener and the endpoint.</exception>
    IConnectionListener Listen(ListenerOptions listener);
}
