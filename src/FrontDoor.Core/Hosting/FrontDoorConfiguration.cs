using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;

namespace FrontDoor.Core.Hosting;

/// <summary>
/// Builds the configuration: FrontDoor.config (XML, reloaded on change), its appSettings as flat keys,
/// then FRONTDOOR_ environment variables, then the command line, each overriding the one before.
/// </summary>
internal static class FrontDoorConfiguration
{
    public const string FileName = "FrontDoor.config";

    public static (IConfigurationRoot Configuration, string Path) Build(string[] args)
    {
        var (path, rest) = SplitConfigArgument(args);
        path = ResolvePath(path);
        if (!File.Exists(path))
        {
            throw new FrontDoorConfigurationException($"config file not found: {path}");
        }

        var directory = System.IO.Path.GetDirectoryName(path)!;
        var name = System.IO.Path.GetFileName(path);

        // At start-up a bad file stops FrontDoor. Later, an edit that does not parse (or is caught half
        // written) must not take the process down: the change is ignored, and the routing keeps its last
        // good state (each reload is validated by its consumer before it is used).
        var started = false;
        void OnLoadException(FileLoadExceptionContext context) => context.Ignore = started;

        // One watcher for both sources, owned by the root: disposing the configuration stops it.
        var files = new PhysicalFileProvider(directory);
        try
        {
            var configuration = new ConfigurationBuilder()
                .AddXmlFile(source =>
                {
                    source.FileProvider = files;
                    source.Path = name;
                    source.Optional = false;
                    source.ReloadOnChange = true;
                    source.OnLoadException = OnLoadException;
                })
                .Add(new AppSettingsConfigurationSource { FileProvider = files, Path = name, Optional = false, ReloadOnChange = true, OnLoadException = OnLoadException })
                .Add(new ElementOrderConfigurationSource { FileProvider = files, Path = name, Optional = false, ReloadOnChange = true, OnLoadException = OnLoadException })
                .AddEnvironmentVariables("FRONTDOOR_")
                .AddCommandLine(rest)
                .Add(new ConfigurationFileWatch(files))
                .Build();
            started = true;
            return (configuration, path);
        }
        catch (Exception ex) when (ex is FormatException or System.Xml.XmlException or InvalidDataException)
        {
            files.Dispose();
            throw new FrontDoorConfigurationException($"{path}: {ex.Message}", ex);
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    /// <summary>Relative paths resolve against the program's folder, where operators keep the config and plugins.</summary>
    public static string ResolvePath(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            var besideProgram = System.IO.Path.Combine(AppContext.BaseDirectory, FileName);
            return File.Exists(besideProgram) ? besideProgram : System.IO.Path.GetFullPath(FileName);
        }

        return System.IO.Path.GetFullPath(path);
    }

    private static (string? Path, string[] Remaining) SplitConfigArgument(string[] args)
    {
        string? path = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--config" or "-c" && i + 1 < args.Length)
            {
                path = args[++i];
            }
            else if (args[i].StartsWith("--config=", StringComparison.Ordinal))
            {
                path = args[i]["--config=".Length..];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        return (path, [.. rest]);
    }
}
