using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

internal sealed partial class ClientSession
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Connected on listener {Listener} from {Client}")]
    private static partial void LogConnected(ILogger logger, string listener, System.Net.IPEndPoint? client);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "TLS handshake failed")]
    private partial void LogTlsFailed(Exception error);

    /// <summary>Information for sessions; Debug for probes that never tried to log in (health checks).</summary>
    [LoggerMessage(EventId = 1006, Message = "Session ended: {End}")]
    private partial void LogSessionEnded(LogLevel level, SessionEnd end);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Error, Message = "Plugin {Plugin} failed in {Hook}; ending the session: {Reason}")]
    private partial void LogPluginFailed(string plugin, string hook, string reason);
}
