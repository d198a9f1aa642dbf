namespace FrontDoor.Core.Sessions;

/// <summary>Why a session ended, and on which side: one per session, logged once.</summary>
internal enum SessionEnd
{
    /// <summary>The client closed the connection (or writing to it failed).</summary>
    ClientClosed,

    /// <summary>The client logged out.</summary>
    ClientLoggedOut,

    /// <summary>The client broke the protocol or a limit (line too long, too many failed logins, a bad TLS handshake).</summary>
    ClientProtocolError,

    /// <summary>The client did not log in within the pre-auth timeout.</summary>
    PreAuthTimeout,

    /// <summary>The backend closed the connection (or writing to it failed).</summary>
    BackendClosed,

    /// <summary>The backend sent what FrontDoor cannot relay (a response line over the limit, broken framing).</summary>
    BackendProtocolError,

    /// <summary>The backend did not answer a synchronizing literal in time.</summary>
    BackendTimeout,

    /// <summary>Silent both ways for the backend's idle timeout.</summary>
    IdleTimeout,

    /// <summary>Ended on purpose: an operator's kick, a drain, or the user's route moved to another backend.</summary>
    Kicked,

    /// <summary>A plugin's hook threw or broke its contract.</summary>
    PluginFailed,

    /// <summary>FrontDoor is stopping.</summary>
    Shutdown,
}
