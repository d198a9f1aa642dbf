using System.Collections.Concurrent;
using System.Net;

namespace FrontDoor.Core.Hooks;

/// <summary>
/// What hooks may know of a logged-in session, so that policy can be per user, per client or per listener.
/// Credentials are not here on purpose.
/// </summary>
public sealed class SessionContext
{
    private static readonly IReadOnlyDictionary<string, string> NoId = new Dictionary<string, string>();

    private ConcurrentDictionary<object, object?>? _items;

    public SessionContext(string sessionId, string user, BackendTarget backend, CapabilitySet backendCapabilities, IPEndPoint? clientAddress)
    {
        SessionId = sessionId;
        User = user;
        Backend = backend;
        BackendCapabilities = backendCapabilities;
        ClientAddress = clientAddress;
    }

    public string SessionId { get; }

    /// <summary>The login name as the client sent it.</summary>
    public string User { get; }

    public BackendTarget Backend { get; }

    /// <summary>The endpoint of <see cref="Backend"/> the session is connected to; null only in tests that build a context by hand.</summary>
    public BackendEndpoint? Endpoint { get; init; }

    /// <summary>What the backend advertised after login, before any filter. Treat as read-only.</summary>
    public CapabilitySet BackendCapabilities { get; }

    /// <summary>The client's address and port (the PROXY header's when a trusted balancer sent one).</summary>
    public IPEndPoint? ClientAddress { get; }

    /// <summary>The name of the listener the client came in on.</summary>
    public string Listener { get; init; } = string.Empty;

    /// <summary>The fields of the client's RFC 2971 ID command before login (e.g. "name" = "Thunderbird"), lower-case keys; empty when it sent none.</summary>
    public IReadOnlyDictionary<string, string> ClientId { get; init; } = NoId;

    /// <summary>
    /// Per-session state for hooks, keyed by an object of the hook's own. Both pumps may touch it (a command
    /// rewriter on the client's side, a response rewriter on the backend's), so it is a concurrent
    /// dictionary, and a state object kept in it must be safe for two threads. Made on first use: most
    /// sessions never need one.
    /// </summary>
    public IDictionary<object, object?> Items
    {
        get
        {
            var items = Volatile.Read(ref _items);
            if (items is null)
            {
                Interlocked.CompareExchange(ref _items, new ConcurrentDictionary<object, object?>(), null);
                items = _items!;
            }

            return items;
        }
    }
}
