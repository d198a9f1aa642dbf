using Microsoft.Extensions.Configuration;

namespace FrontDoor.Core.Hooks;

/// <summary>
/// What a plugin may read of FrontDoor.config: its own section, appSettings keys, and the validated backends.
/// The same shape is handed to the plugin at start-up and at each reload.
/// </summary>
public sealed class PluginConfiguration
{
    private readonly IConfiguration _root;

    internal PluginConfiguration(IConfiguration root, string sectionPath, BackendCatalog backends)
    {
        _root = root;
        Section = root.GetSection(sectionPath);
        Backends = backends;
    }

    /// <summary>The plugin's element under &lt;frontDoor&gt; (see <see cref="IFrontDoorPlugin.ConfigSection"/>); empty when absent.</summary>
    public IConfigurationSection Section { get; }

    /// <summary>The backends and pools, validated by Core and every plugin's validators.</summary>
    public BackendCatalog Backends { get; }

    /// <summary>An <c>&lt;appSettings&gt;&lt;add key value/&gt;</c> value (or its environment / command-line override), or null.</summary>
    public string? AppSetting(string key) => _root[key];
}

/// <summary>
/// Handed to <see cref="IFrontDoorPlugin.ConfigureServices"/>: the plugin's configuration, plus the ways to take
/// part in validation and reload.
/// </summary>
public sealed class PluginContext
{
    private readonly List<IBackendValidator> _validators;
    private readonly List<Func<PluginConfiguration, Action>> _reloads;

    internal PluginContext(string name, PluginConfiguration configuration, List<IBackendValidator> validators, List<Func<PluginConfiguration, Action>> reloads)
    {
        Name = name;
        Configuration = configuration;
        _validators = validators;
        _reloads = reloads;
    }

    /// <summary>The plugin's folder name.</summary>
    public string Name { get; }

    public PluginConfiguration Configuration { get; }

    /// <summary>
    /// Adds a check of backend attributes. It has already run over the start-up config when this returns:
    /// a bad value throws here, and start-up stops with its line.
    /// </summary>
    public void AddBackendValidator(IBackendValidator validator)
    {
        ArgumentNullException.ThrowIfNull(validator);
        foreach (var backend in Configuration.Backends.Backends.Values)
        {
            validator.Validate(backend);
        }

        _validators.Add(validator);
    }

    /// <summary>
    /// Takes part in reloads. On each edit of FrontDoor.config, <paramref name="prepare"/> gets the new
    /// configuration and either throws <see cref="FrontDoorConfigurationException"/> (the whole reload is
    /// refused, nothing changes anywhere) or returns what to apply, which runs only once every plugin has
    /// accepted. Prepare must not change state itself.
    /// </summary>
    public void OnReload(Func<PluginConfiguration, Action> prepare)
    {
        ArgumentNullException.ThrowIfNull(prepare);
        _reloads.Add(prepare);
    }
}
