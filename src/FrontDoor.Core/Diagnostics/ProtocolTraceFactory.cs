using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace FrontDoor.Core.Diagnostics;

/// <summary>
/// Opens a trace for a login when <c>&lt;trace directory="..." users="..." backends="..." /&gt;</c> names its
/// user or its backend. The section is read at start and again at each reload of the config, so an edit
/// applies to the next login; a login without tracing costs one field read (bench/README.md, garbage per login).
/// </summary>
internal sealed class ProtocolTraceFactory : IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly TimeProvider _time;
    private readonly IDisposable _reloads;
    private volatile TraceSettings? _settings;

    public ProtocolTraceFactory(IConfiguration configuration, TimeProvider time)
    {
        _configuration = configuration;
        _time = time;
        _settings = Read(configuration);
        _reloads = ChangeToken.OnChange(configuration.GetReloadToken, () => _settings = Read(_configuration));
    }

    public ProtocolTrace? Open(string user, string backend, string sessionId)
    {
        var settings = _settings;
        if (settings is null || !(settings.Users.Contains(user) || settings.Backends.Contains(backend)))
        {
            return null;
        }

        var directory = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, settings.Directory ?? "traces"));
        Directory.CreateDirectory(directory);
        var safeUser = string.Concat(user.Select(c => char.IsAsciiLetterOrDigit(c) || c is '@' or '.' or '-' or '_' ? c : '_'));
        var file = Path.Combine(directory, $"{_time.GetUtcNow():yyyyMMdd-HHmmss}-{safeUser}-{sessionId}.trace");
        var trace = new ProtocolTrace(file, _time);
        trace.Note($"session {sessionId} user {user} backend {backend}");
        return trace;
    }

    public void Dispose() => _reloads.Dispose();

    private static TraceSettings? Read(IConfiguration configuration)
    {
        var section = configuration.GetSection("frontDoor:trace");
        return section.Exists() ? new TraceSettings(section["directory"], Names(section["users"]), Names(section["backends"])) : null;
    }

    private static HashSet<string> Names(string? list) =>
        new((list ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase);

    private sealed record TraceSettings(string? Directory, HashSet<string> Users, HashSet<string> Backends);
}
