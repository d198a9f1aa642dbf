using FrontDoor.Core.Hooks;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace FrontDoor.Core.Tests.Hosting;

public class PluginLoadingTests
{
    [Fact]
    public async Task A_broken_plugin_dll_stops_start_up_naming_the_file()
    {
        var plugins = Directory.CreateTempSubdirectory("fd-broken-plugins-").FullName;
        try
        {
            RepoPaths.CopyDirectory(Path.Combine(RepoPaths.PluginDirectory, "BackendRouting"), Path.Combine(plugins, "BackendRouting"));
            Directory.CreateDirectory(Path.Combine(plugins, "Broken"));
            var broken = Path.Combine(plugins, "Broken", "Broken.dll");
            await File.WriteAllTextAsync(broken, "this is not an assembly");

            var error = await Assert.ThrowsAsync<FrontDoorConfigurationException>(() => TestFrontDoor.StartAsync(
                """<backends><backend name="b" endpoint="127.0.0.1:9" /></backends><routing default="b" />""",
                string.Empty,
                "--frontDoor:plugins:directory", plugins));
            Assert.StartsWith($"plugin {broken} cannot be loaded: BadImageFormatException", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(plugins, recursive: true);
        }
    }

    [Fact]
    public async Task Without_a_routing_plugin_start_up_stops_with_a_clear_line()
    {
        var plugins = Directory.CreateTempSubdirectory("fd-no-router-").FullName;
        try
        {
            var error = await Assert.ThrowsAsync<FrontDoorConfigurationException>(() => TestFrontDoor.StartAsync(
                """<backends><backend name="b" endpoint="127.0.0.1:9" /></backends><routing default="b" />""",
                string.Empty,
                "--frontDoor:plugins:directory", plugins));
            Assert.Contains("no plugin routes users to backends", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(plugins, recursive: true);
        }
    }

    [Fact]
    public async Task A_plugin_folder_with_a_missing_or_misnamed_dll_gets_a_warning_naming_it()
    {
        var plugins = Directory.CreateTempSubdirectory("fd-misnamed-plugins-").FullName;
        try
        {
            RepoPaths.CopyDirectory(Path.Combine(RepoPaths.PluginDirectory, "BackendRouting"), Path.Combine(plugins, "BackendRouting"));

            // LiteralPlusCompat copied into a folder of another name; and a folder left empty.
            RepoPaths.CopyDirectory(Path.Combine(RepoPaths.PluginDirectory, "LiteralPlusCompat"), Path.Combine(plugins, "LiteralPlus"));
            Directory.CreateDirectory(Path.Combine(plugins, "Empty"));
            var capture = new CapturingLoggerProvider();

            await using var frontDoor = await TestFrontDoor.StartAsync(
                """<backends><backend name="b" endpoint="127.0.0.1:9" /></backends><routing default="b" />""",
                string.Empty,
                services => services.AddSingleton<ILoggerProvider>(capture),
                "--frontDoor:plugins:directory", plugins);

            var warnings = capture.Lines.Where(l => l.Contains("[3103]", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, warnings.Count);
            Assert.Contains(warnings, w => w.StartsWith("Warning", StringComparison.Ordinal)
                && w.Contains($"plugin folder {Path.Combine(plugins, "Empty")} skipped: no Empty.dll (it holds no DLL)", StringComparison.Ordinal));
            Assert.Contains(warnings, w => w.Contains($"plugin folder {Path.Combine(plugins, "LiteralPlus")} skipped: no LiteralPlus.dll (it holds LiteralPlusCompat.dll)", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(plugins, recursive: true);
        }
    }
}
