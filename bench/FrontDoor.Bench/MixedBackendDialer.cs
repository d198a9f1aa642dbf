using FrontDoor.Core.Backends;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using FrontDoor.Testing;

namespace FrontDoor.Bench;

/// <summary>
/// Scenario 10's backend connects: in memory to a made-up <c>*.invalid</c> endpoint (RFC 2606: it never
/// resolves, so it can only be <see cref="InMemoryBackends"/>'), over TCP to every other (minimap).
/// </summary>
internal sealed class MixedBackendDialer(InMemoryBackends inMemory, TcpBackendDialer tcp) : IBackendDialer
{
    public ValueTask<ImapConnection> ConnectAsync(BackendEndpoint endpoint, ImapConnection? client, CancellationToken cancellationToken) =>
        endpoint.Host.EndsWith(".invalid", StringComparison.OrdinalIgnoreCase)
            ? inMemory.ConnectAsync(endpoint, client, cancellationToken)
            : tcp.ConnectAsync(endpoint, client, cancellationToken);
}
