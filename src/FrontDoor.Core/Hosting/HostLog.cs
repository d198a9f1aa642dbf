using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Hosting;

internal static partial class HostLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "FrontDoor config {Path}; plugins: {Plugins}")]
    public static partial void Configured(ILogger logger, string path, string plugins);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "{Reason}")]
    public static partial void PluginFolderSkipped(ILogger logger, string reason);
}
