using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

/// <summary>The relay's log events, shared by its two pumps.</summary>
internal static partial class RelayLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Synchronizing a {Length}-octet literal for the backend")]
    public static partial void LiteralSynchronized(ILogger logger, long length);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Backend refused the command; draining {Length} literal octets")]
    public static partial void LiteralDrained(ILogger logger, long length);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Backend did not answer the literal of command {Tag} in time")]
    public static partial void ContinuationTimeout(ILogger logger, string tag);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "Plugin {Plugin} failed in {Hook}; ending the session: {Reason}")]
    public static partial void PluginFailed(ILogger logger, string plugin, string hook, string reason);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Debug, Message = "COMPRESS totals: {Received} octets from the client inflated to {Inflated}; {Deflated} octets to the client sent as {Sent}")]
    public static partial void CompressionTotals(ILogger logger, long received, long inflated, long deflated, long sent);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Debug, Message = "COMPRESS=DEFLATE active with the client")]
    public static partial void CompressionStarted(ILogger logger);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Warning, Message = "The client's compressed stream does not inflate ({Reason}); ending the session")]
    public static partial void ClientStreamNotInflating(ILogger logger, string reason);
}
