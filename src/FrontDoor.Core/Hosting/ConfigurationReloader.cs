using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace FrontDoor.Core.Hosting;

/// <summary>One plugin's part in reloads: its section, and what it checks and applies.</summary>
internal sealed record PluginReload(string Plugin, string SectionPath, Func<PluginConfiguration, Action> Prepare);

/// <summary>How the last edit of FrontDoor.config went: applied, or refused and why.</summary>
internal sealed record ReloadStatus(DateTimeOffset At, bool Applied, string? Error);

/// <summary>
/// Owns the backend catalog and applies edits of FrontDoor.config as one transaction: the new backends are
/// read and validated by Core and every plugin's validators, then every plugin prepares its part; only if
/// all accept does anything change. A refused edit changes nothing anywhere and is logged in one line, so
/// a typo such as literalPlus="synchronise" can never be half-taken.
/// </summary>
internal sealed partial class ConfigurationReloader : IBackendCatalogMonitor, IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly IReadOnlyList<IBackendValidator> _validators;
    private readonly IReadOnlyList<PluginReload> _reloads;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private IDisposable? _subscription;
    private volatile BackendCatalog _current;
    private volatile ReloadStatus? _last;

    public ConfigurationReloader(
        IConfiguration configuration,
        BackendCatalog initial,
        IReadOnlyList<IBackendValidator> validators,
        IReadOnlyList<PluginReload> reloads,
        TimeProvider time,
        ILogger logger)
    {
        _configuration = configuration;
        _current = initial;
        _validators = validators;
        _reloads = reloads;
        _time = time;
        _logger = logger;
    }

    public BackendCatalog Current => _current;

    /// <summary>The last reload, or null when the file has not changed since start-up.</summary>
    public ReloadStatus? LastReload => _last;

    /// <summary>Raised after a reload was applied, with the new catalog.</summary>
    public event Action<BackendCatalog>? Applied;

    /// <summary>Starts following edits of the file (the host calls it once, at start).</summary>
    public void Watch() => _subscription ??= ChangeToken.OnChange(_configuration.GetReloadToken, () => Reload());

    /// <summary>Reads, validates and applies the configuration as it is now; false when it was refused.</summary>
    public bool Reload()
    {
        lock (_gate)
        {
            try
            {
                var catalog = BackendsReader.Read(_configuration.GetSection("frontDoor:backends"), _validators);
                var commits = new List<Action>(_reloads.Count);
                foreach (var reload in _reloads)
                {
                    commits.Add(Prepare(reload, catalog));
                }

                _current = catalog;
                foreach (var commit in commits)
                {
                    commit();
                }

                _last = new ReloadStatus(_time.GetUtcNow(), true, null);
                LogApplied(catalog.Backends.Count, catalog.Pools.Count);
                Applied?.Invoke(catalog);
                return true;
            }
            catch (FrontDoorConfigurationException ex)
            {
                _last = new ReloadStatus(_time.GetUtcNow(), false, ex.Message);
                LogRefused(ex.Message);
                return false;
            }
        }
    }

    public void Dispose() => _subscription?.Dispose();

    private PluginConfiguration Configuration(string sectionPath, BackendCatalog catalog) => new(_configuration, sectionPath, catalog);

    private Action Prepare(PluginReload reload, BackendCatalog catalog)
    {
        try
        {
            return reload.Prepare(Configuration(reload.SectionPath, catalog));
        }
        catch (FrontDoorConfigurationException)
        {
            throw;
        }
        catch (Exception ex)
        {
            // A plugin's bug must refuse the edit, not take down the file watch's thread.
            throw new FrontDoorConfigurationException($"plugin {reload.Plugin} failed to read the new configuration: {ex.GetType().Name}: {ex.Message}", ex);
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Configuration reloaded: {Backends} backends, {Pools} pools")]
    private partial void LogApplied(int backends, int pools);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Error, Message = "Configuration reload refused, the last good configuration stays: {Error}")]
    private partial void LogRefused(string error);
}
