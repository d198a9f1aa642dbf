using System.Reflection;
using FrontDoor.Core.Hooks;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Hosting;

/// <summary>
/// Finds every <c>&lt;directory&gt;/&lt;Name&gt;/&lt;Name&gt;.dll</c>, loads it in its own load context with the
/// contract types shared with the host, and creates its <see cref="IFrontDoorPlugin"/> implementations.
/// </summary>
internal sealed class PluginCatalog
{
    // The host's copies of these are the only ones, so a plugin's IFrontDoorPlugin is the host's.
    private static readonly Type[] SharedTypes =
    [
        typeof(IFrontDoorPlugin),
        typeof(IServiceCollection),
        typeof(IConfiguration),
        typeof(ILogger),
        typeof(ILoggerFactory),
        typeof(Microsoft.Extensions.Options.IOptions<>),
    ];

    private readonly List<PluginLoader> _loaders = [];

    private readonly List<string> _skipped = [];

    private PluginCatalog(IReadOnlyList<LoadedPlugin> plugins)
    {
        Plugins = plugins;
    }

    public IReadOnlyList<LoadedPlugin> Plugins { get; }

    /// <summary>
    /// Folders that hold no <c>&lt;Name&gt;/&lt;Name&gt;.dll</c>, one line each saying what is there instead: a
    /// plugin dropped in with a misnamed DLL, or without its DLL, must not vanish silently.
    /// </summary>
    public IReadOnlyList<string> Skipped => _skipped;

    public static PluginCatalog Load(string directory)
    {
        var plugins = new List<LoadedPlugin>();
        if (!Directory.Exists(directory))
        {
            throw new FrontDoorConfigurationException($"<plugins directory=\"{directory}\">: the folder does not exist");
        }

        var catalog = new PluginCatalog(plugins);
        foreach (var folder in Directory.GetDirectories(directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(folder);
            var file = Path.Combine(folder, name + ".dll");
            if (!File.Exists(file))
            {
                catalog._skipped.Add(DescribeSkipped(folder, name));
                continue;
            }

            plugins.AddRange(catalog.LoadFile(name, file));
        }

        return catalog;
    }

    private static string DescribeSkipped(string folder, string name)
    {
        var dlls = Directory.GetFiles(folder, "*.dll").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var found = dlls.Count == 0 ? "it holds no DLL" : "it holds " + string.Join(", ", dlls);
        return $"plugin folder {folder} skipped: no {name}.dll ({found}); a plugin is loaded from <Name>/<Name>.dll";
    }

    private List<LoadedPlugin> LoadFile(string name, string file)
    {
        try
        {
            var loader = PluginLoader.CreateFromAssemblyFile(file, sharedTypes: SharedTypes, config => config.PreferSharedTypes = true);
            _loaders.Add(loader);
            var assembly = loader.LoadDefaultAssembly();
            var entries = assembly.GetTypes()
                .Where(t => typeof(IFrontDoorPlugin).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
                .Select(t => new LoadedPlugin(name, file, (IFrontDoorPlugin)Activator.CreateInstance(t)!))
                .ToList();
            if (entries.Count == 0)
            {
                throw new FrontDoorConfigurationException($"plugin {file}: no public class implements IFrontDoorPlugin");
            }

            return entries;
        }
        catch (Exception ex) when (ex is BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException or TargetInvocationException or MissingMethodException or TypeLoadException)
        {
            throw new FrontDoorConfigurationException($"plugin {file} cannot be loaded: {ex.GetType().Name}: {ex.Message}", ex);
        }
    }
}

/// <summary>A plugin entry point and where it came from.</summary>
internal sealed record LoadedPlugin(string Name, string File, IFrontDoorPlugin Plugin);
