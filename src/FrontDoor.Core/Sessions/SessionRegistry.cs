using System.Collections.Concurrent;
using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// The logged-in sessions of this node, by id. A session adds itself when its relay starts and removes
/// itself when it ends; nothing on the relay's path touches the registry in between. Kicks are paced:
/// <see cref="KickBatch"/> sessions, then a pause of <see cref="KickPause"/>, so moving or draining thousands
/// of users reconnects them to the new backend at a rate it can take.
/// </summary>
internal sealed class SessionRegistry : ISessionRegistry
{
    private readonly ConcurrentDictionary<string, SessionInfo> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public SessionRegistry(TimeProvider time, int kickBatch = 100, TimeSpan? kickPause = null)
    {
        _time = time;
        KickBatch = Math.Max(1, kickBatch);
        KickPause = kickPause ?? TimeSpan.FromMilliseconds(100);
    }

    public int KickBatch { get; }

    public TimeSpan KickPause { get; }

    public int Count => _sessions.Count;

    public void Add(SessionInfo session) => _sessions[session.Id] = session;

    public void Remove(SessionInfo session) => _sessions.TryRemove(new KeyValuePair<string, SessionInfo>(session.Id, session));

    /// <summary>FrontDoor is stopping: every session takes no more commands (each then drains and says BYE).</summary>
    public void StopTakingCommands()
    {
        foreach (var (_, session) in _sessions)
        {
            session.StopTakingCommands();
        }
    }

    public SessionInfo? Find(string sessionId) => _sessions.TryGetValue(sessionId, out var session) ? session : null;

    public IReadOnlyList<SessionInfo> Find(Func<SessionInfo, bool>? match = null)
    {
        var result = new List<SessionInfo>();
        foreach (var (_, session) in _sessions)
        {
            if (match is null || match(session))
            {
                result.Add(session);
            }
        }

        return result;
    }

    public async Task<int> KickAsync(Func<SessionInfo, bool> match, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (reason.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("a BYE reason is one line", nameof(reason));
        }

        var kicked = 0;
        var inBatch = 0;
        foreach (var session in Find(match))
        {
            if (inBatch == KickBatch)
            {
                await Task.Delay(KickPause, _time, cancellationToken).ConfigureAwait(false);
                inBatch = 0;
            }

            if (session.Kick(reason))
            {
                kicked++;
                inBatch++;
            }
        }

        return kicked;
    }
}
