using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

internal sealed partial class ClientSession
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Connected on listener {Listener} from {Client}")]
    private partial void LogConnected(string listener, System.Net.IPEndPoint? client);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "User {User} logged in on backend {Backend} at {Endpoint}")]
    private partial void LogLoggedIn(string user, string backend, Hooks.BackendEndpoint endpoint);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Login of {User} refused by backend {Backend}")]
    private partial void LogLoginRefused(string user, string backend);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "No route for {User}: {Reason}")]
    private partial void LogNoRoute(string user, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Backend {Backend} unavailable for {User}: {Detail}")]
    private partial void LogBackendUnavailable(string user, string backend, string detail);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "User {User} referred to {Referral}")]
    private partial void LogReferred(string user, string referral);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Backend {Backend} is at its cap of {MaxSessions} sessions; {User} refused")]
    private partial void LogBackendFull(string user, string backend, int maxSessions);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "TLS handshake failed")]
    private partial void LogTlsFailed(Exception error);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "User {User} is at the cap of {Max} sessions")]
    private partial void LogUserFull(string user, int max);

    /// <summary>Information for sessions; Debug for probes that never tried to log in (health checks).</summary>
    [LoggerMessage(EventId = 1006, Message = "Session ended: {End}")]
    private partial void LogSessionEnded(LogLevel level, SessionEnd end);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "No backend for {User} now: {Reason}")]
    private partial void LogRouteUnavailable(string user, string reason);
}
