using System.Net;

namespace FrontDoor.Core.Hooks;

/// <summary>
/// A logged-in session as the registry shows it. The relay updates the figures with plain writes from the
/// one pump that owns each (no lock on the hot path); readers see them a moment late at worst.
/// </summary>
public sealed class SessionInfo
{
    private readonly TimeProvider _time;
    private readonly long _startedTimestamp;
    private long _lastActivity;
    private long _bytesToBackend;
    private long _bytesToClient;
    private long _literalConversions;
    private ISessionControl? _control;

    internal SessionInfo(SessionContext context, BackendEndpoint endpoint, TimeProvider time)
    {
        Context = context;
        Endpoint = endpoint;
        _time = time;
        StartedAt = time.GetUtcNow();
        _startedTimestamp = _lastActivity = time.GetTimestamp();
    }

    internal SessionContext Context { get; }

    public string Id => Context.SessionId;

    public string User => Context.User;

    public string Backend => Context.Backend.Name;

    public BackendEndpoint Endpoint { get; }

    public IPEndPoint? ClientAddress => Context.ClientAddress;

    public string Listener => Context.Listener;

    public DateTimeOffset StartedAt { get; }

    /// <summary>The last time a byte went either way.</summary>
    public DateTimeOffset LastActivity => StartedAt + _time.GetElapsedTime(_startedTimestamp, Volatile.Read(ref _lastActivity));

    public long BytesToBackend => Volatile.Read(ref _bytesToBackend);

    public long BytesToClient => Volatile.Read(ref _bytesToClient);

    /// <summary>Non-synchronizing literals of this session sent to the backend as synchronizing ones.</summary>
    public long LiteralConversions => Volatile.Read(ref _literalConversions);

    internal long LastActivityTimestamp => Volatile.Read(ref _lastActivity);

    // Each is written by one pump only: the client's pump adds to the backend, the backend's to the client.
    internal void Touch() => Touch(_time.GetTimestamp());

    /// <summary>For a pump that has read the clock already for its own bookkeeping.</summary>
    internal void Touch(long timestamp) => Volatile.Write(ref _lastActivity, timestamp);

    internal void AddToBackend(long bytes) => Volatile.Write(ref _bytesToBackend, _bytesToBackend + bytes);

    internal void AddToClient(long bytes) => Volatile.Write(ref _bytesToClient, _bytesToClient + bytes);

    internal void LiteralConverted() => Volatile.Write(ref _literalConversions, _literalConversions + 1);

    /// <summary>The relay the registry tells to end or to stop taking commands; set when it starts.</summary>
    internal void Attach(ISessionControl control) => Volatile.Write(ref _control, control);

    /// <summary>The relay attached (<see cref="Attach"/>); its pumps find it here rather than in a field each.</summary>
    internal ISessionControl? Control => Volatile.Read(ref _control);

    /// <summary>Tells the session to end with BYE; false when it has no relay to tell (not running yet).</summary>
    internal bool Kick(string reason)
    {
        var control = Volatile.Read(ref _control);
        control?.Kick(reason);
        return control is not null;
    }

    /// <summary>FrontDoor is stopping: the session takes no more commands (nothing when its relay is not running yet).</summary>
    internal void StopTakingCommands() => Volatile.Read(ref _control)?.StopTakingCommands();
}
