namespace FrontDoor.Core.Sessions;

/// <summary>Why a session ended: one per session, logged once.</summary>
internal enum SessionEnd
{
    ClientClosed,
    ClientLoggedOut,
    BackendClosed,
    BackendUnavailable,
    Timeout,
    IdleTimeout,
    ProtocolError,
    Shutdown,
}
