using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Backends;

/// <summary>
/// How FrontDoor reaches a backend endpoint: TCP in production (<see cref="TcpBackendDialer"/>); a test host
/// registers an in-memory one, so a scripted backend sits on the other end of an in-memory pair.
/// </summary>
internal interface IBackendDialer
{
    /// <summary>A connection to <paramref name="endpoint"/>, before any byte is read or written.</summary>
    /// <param name="client">The client connection the backend connection will be relayed to, whose thread it shares where the transport has such threads; null for a connection of no session (a health probe).</param>
    /// <exception cref="System.Net.Sockets.SocketException">Nothing answers there (the resilience pipelines retry and break on it).</exception>
    ValueTask<ImapConnection> ConnectAsync(BackendEndpoint endpoint, ImapConnection? client, CancellationToken cancellationToken);
}
