using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;

namespace FrontDoor.Core.Hosting;

/// <summary>
/// Hands the config folder's file provider (and the file watcher behind it) to the configuration root, so
/// that disposing the root stops the watch. A file configuration provider disposes only its change-token
/// registration, never its file provider: each host built and disposed in one process (the tests build
/// hundreds) otherwise kept an inotify instance, and Linux allows a user 128 of them.
/// </summary>
internal sealed class ConfigurationFileWatch : IConfigurationSource
{
    private readonly PhysicalFileProvider _files;

    public ConfigurationFileWatch(PhysicalFileProvider files)
    {
        _files = files;
    }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Owner(_files);

    /// <summary>Holds no settings; its disposal is the point.</summary>
    private sealed class Owner(PhysicalFileProvider files) : ConfigurationProvider, IDisposable
    {
        public void Dispose() => files.Dispose();
    }
}
