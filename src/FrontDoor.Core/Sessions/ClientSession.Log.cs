using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

internal sealed partial class ClientSession
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Connected on listener {Listener} from {Client}")]
    private partial void LogConnected(string listener, System.Net.IPEndPoint? client);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "TLS handshake failed")]
    private partial void LogTlsFailed(Exception error);

    /// <summary>Information for sessions; Debug for probes that never tried to log in (health checks).</summary>
    [LoggerMessage(EventId = 1006, Message = "Session ended: {End}")]
    private partial void LogSessionEnded(LogLevel level, SessionEnd end);

}
