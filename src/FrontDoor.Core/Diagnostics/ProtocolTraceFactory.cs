using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Core.Diagnostics;

/// <summary>
/// Opens a trace for a login when <c>&lt;trace directory="..." users="..." backends="..." /&gt;</c> names its
/// user or its backend. Read at each login, so an edit of the config (live reload) applies to the next one.
/// </summary>
internal sealed class ProtocolTraceFactory
{
    private readonly IConfiguration _configuration;
    private readonly TimeProvider _time;

    public ProtocolTraceFactory(IConfiguration configuration, TimeProvider time)
    {
        _configuration = configuration;
        _time = time;
    }

    public ProtocolTrace? Open(string user, string backend, string sessionId)
    {
        var section = _configuration.GetSection("frontDoor:trace");
        if (!section.Exists() || !(Names(section["users"]).Contains(user) || Names(section["backends"]).Contains(backend)))
        {
            return null;
        }

        var directory = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, section["directory"] ?? "traces"));
        Directory.CreateDirectory(directory);
        var safeUser = string.Concat(user.Select(c => char.IsAsciiLetterOrDigit(c) || c is '@' or '.' or '-' or '_' ? c : '_'));
        var file = Path.Combine(directory, $"{_time.GetUtcNow():yyyyMMdd-HHmmss}-{safeUser}-{sessionId}.trace");
        var trace = new ProtocolTrace(file, _time);
        trace.Note($"session {sessionId} user {user} backend {backend}");
        return trace;
    }

    private static HashSet<string> Names(string? list) =>
        new((list ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase);
}
