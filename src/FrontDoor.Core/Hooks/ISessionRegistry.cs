namespace FrontDoor.Core.Hooks;

/// <summary>
/// Every logged-in session of this node: who, where to, from where, and how much. One registry serves the
/// operator's who/kick, drains, and directory re-routes. Lookups take a snapshot; sessions never wait for
/// them.
/// </summary>
public interface ISessionRegistry
{
    /// <summary>Logged-in sessions now.</summary>
    int Count { get; }

    /// <summary>The sessions that match, in no particular order; a snapshot, so the figures move on after.</summary>
    IReadOnlyList<SessionInfo> Find(Func<SessionInfo, bool>? match = null);

    /// <summary>The session with this id, or null.</summary>
    SessionInfo? Find(string sessionId);

    /// <summary>
    /// Ends the matching sessions with <c>* BYE [UNAVAILABLE] <paramref name="reason"/></c>, in paced batches so
    /// that moving thousands of users does not storm the backend they reconnect to. Returns how many were
    /// told to end; the sessions end on their own threads.
    /// </summary>
    Task<int> KickAsync(Func<SessionInfo, bool> match, string reason, CancellationToken cancellationToken = default);
}
