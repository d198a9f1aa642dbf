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
    /// <exception cref="System.Net.Sockets.SocketException">Nothing answers there (the resilience pipelines retry and break on it).</exception>
    ValueTask<ImapConnection> ConnectAsync(BackendEndpoint endpoint, CancellationToken cancellationToken);
}
