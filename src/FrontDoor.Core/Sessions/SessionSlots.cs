using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// The places a login holds in the per-user and per-backend session caps, taken before the backend is
/// contacted and given back once, whichever way the session ends.
/// </summary>
internal sealed class SessionSlots
{
    private readonly KeyedCounter<string> _users;
    private readonly string _user;
    private readonly BackendSessionCounter _backends;
    private readonly BackendTarget _backend;
    private int _released;

    public SessionSlots(KeyedCounter<string> users, string user, BackendSessionCounter backends, BackendTarget backend)
    {
        _users = users;
        _user = user;
        _backends = backends;
        _backend = backend;
    }

    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _backends.Leave(_backend);
            _users.Leave(_user);
        }
    }
}
