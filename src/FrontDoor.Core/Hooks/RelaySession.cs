using System.Net;

namespace FrontDoor.Core.Hooks;

/// <summary>What hooks may know of a logged-in session. Credentials are not here on purpose.</summary>
public sealed class RelaySession
{
    public RelaySession(string sessionId, string user, BackendTarget backend, CapabilitySet backendCapabilities, IPEndPoint? clientAddress)
    {
        SessionId = sessionId;
        User = user;
        Backend = backend;
        BackendCapabilities = backendCapabilities;
        ClientAddress = clientAddress;
    }

    public string SessionId { get; }

    public string User { get; }

    public BackendTarget Backend { get; }

    /// <summary>What the backend advertised after login, before any filter. Treat as read-only.</summary>
    public CapabilitySet BackendCapabilities { get; }

    public IPEndPoint? ClientAddress { get; }

    /// <summary>
    /// Per-session state for hooks, keyed by an object of the hook's own; touched by one pump at a time.
    /// Made on first use: most sessions never need one, and an idle session should hold nothing it does not use.
    /// </summary>
    public IDictionary<object, object?> Items => _items ??= new Dictionary<object, object?>();

    private Dictionary<object, object?>? _items;
}
