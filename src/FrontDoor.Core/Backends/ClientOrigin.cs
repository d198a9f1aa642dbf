using System.Net;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Backends;

/// <summary>
/// Where a session comes from, for forwarding to the backend and for logs and limits. It is also the session's
/// log scope (<see cref="Diagnostics.SessionLogScopes"/>): "session {SessionId}", as text and as its one value,
/// without an object of its own per session.
/// </summary>
internal sealed class ClientOrigin : IReadOnlyList<KeyValuePair<string, object?>>
{
    private const string ScopeFormat = "session {SessionId}";

    // The FrontDoor address the client connected to, or the client's connection to ask for it: read only
    // when a backend is told it (forwarding), since an address read is three objects for the session's life.
    private readonly object? _local;

    /// <param name="client">The client's real address (from the PROXY header when a trusted balancer sent one).</param>
    /// <param name="local">The FrontDoor address the client connected to.</param>
    /// <param name="sessionId">FrontDoor's id of the session, shared with the backend in ID.</param>
    public ClientOrigin(IPEndPoint? client, IPEndPoint? local, string sessionId)
        : this(client, (object?)local, sessionId)
    {
    }

    /// <param name="client">The client's real address (from the PROXY header when a trusted balancer sent one).</param>
    /// <param name="connection">The client's connection, asked for <see cref="Local"/> when it is needed (while it is open).</param>
    /// <param name="sessionId">FrontDoor's id of the session, shared with the backend in ID.</param>
    public ClientOrigin(IPEndPoint? client, ImapConnection connection, string sessionId)
        : this(client, (object)connection, sessionId)
    {
    }

    private ClientOrigin(IPEndPoint? client, object? local, string sessionId)
    {
        Client = client;
        _local = local;
        SessionId = sessionId;
    }

    /// <summary>The client's real address (from the PROXY header when a trusted balancer sent one).</summary>
    public IPEndPoint? Client { get; }

    /// <summary>The FrontDoor address the client connected to; asked of the connection, which must be open.</summary>
    public IPEndPoint? Local => _local as IPEndPoint ?? (_local as ImapConnection)?.LocalEndPoint;

    /// <summary>FrontDoor's id of the session, shared with the backend in ID.</summary>
    public string SessionId { get; }

    /// <summary>The client's connection, which the backend's connection joins on its event loop (<see cref="IBackendDialer"/>); null when made from addresses.</summary>
    public ImapConnection? Connection => _local as ImapConnection;

    int IReadOnlyCollection<KeyValuePair<string, object?>>.Count => 2;

    KeyValuePair<string, object?> IReadOnlyList<KeyValuePair<string, object?>>.this[int index] => index switch
    {
        0 => new("SessionId", SessionId),
        1 => new("{OriginalFormat}", ScopeFormat),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <summary>The log scope's text, as <see cref="Microsoft.Extensions.Logging.LoggerMessage.DefineScope{T1}"/> with <see cref="ScopeFormat"/> gave it.</summary>
    public override string ToString() => "session " + SessionId;

    IEnumerator<KeyValuePair<string, object?>> IEnumerable<KeyValuePair<string, object?>>.GetEnumerator()
    {
        var self = (IReadOnlyList<KeyValuePair<string, object?>>)this;
        for (var i = 0; i < self.Count; i++)
        {
            yield return self[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)this).GetEnumerator();
}
