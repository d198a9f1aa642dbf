using System.Net.Sockets;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// Socket errors that mean this node ran out of something, not that a peer or the network failed: the
/// listeners pause instead of dropping clients, and a backend's breaker does not count them against the
/// backend (deploy/README.md, file descriptors).
/// </summary>
internal static class LocalExhaustion
{
    /// <summary>EMFILE / ENFILE: the process or the system is out of descriptors.</summary>
    public static bool IsDescriptors(SocketError error) => error == SocketError.TooManyOpenSockets;

    /// <summary>Out of descriptors, or ENOBUFS / ENOMEM: out of kernel memory.</summary>
    public static bool IsResources(SocketError error) =>
        error is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable;

    /// <summary>
    /// <see cref="IsResources"/>, or EADDRNOTAVAIL: no free source port towards the backend. A connect that
    /// failed so failed on this node, before the backend was asked.
    /// </summary>
    public static bool IsConnectFailure(Exception? error) =>
        error is SocketException { SocketErrorCode: var code } && (IsResources(code) || code == SocketError.AddressNotAvailable);
}
