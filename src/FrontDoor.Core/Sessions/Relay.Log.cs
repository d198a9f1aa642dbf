using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

internal sealed partial class Relay
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Synchronizing a {Length}-octet literal for the backend")]
    private partial void LogLiteralSynchronized(long length);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Backend refused the command; draining {Length} literal octets")]
    private partial void LogLiteralDrained(long length);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Backend did not answer the literal of command {Tag} in time")]
    private partial void LogContinuationTimeout(string tag);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "Plugin {Plugin} failed in {Hook}; ending the session: {Reason}")]
    private partial void LogPluginFailed(string plugin, string hook, string reason);
}
