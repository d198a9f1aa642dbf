using FrontDoor.Core.Diagnostics;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// A login the backend accepted, handed from the pre-auth phase to the session's top level, so that none of
/// the pre-auth frames (reader, timers, the login's own state) stay alive for the hours a session may relay.
/// Owns the backend connection, the protocol trace and the session's slots.
/// </summary>
internal sealed class LoggedInSession : IAsyncDisposable
{
    private readonly Relay _relay;
    private readonly ImapConnection _backend;
    private readonly ProtocolTrace? _trace;
    private readonly SessionSlots _slots;

    public LoggedInSession(Relay relay, ImapConnection backend, ProtocolTrace? trace, SessionSlots slots)
    {
        _relay = relay;
        _backend = backend;
        _trace = trace;
        _slots = slots;
    }

    public ValueTask<SessionEnd> RunAsync(CancellationToken shutdown) => _relay.RunAsync(shutdown);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _backend.DisposeAsync().ConfigureAwait(false);
            _trace?.Dispose();
        }
        finally
        {
            _slots.Release();
        }
    }
}
