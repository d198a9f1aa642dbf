using FrontDoor.Core.Hooks;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.Tests.Hosting;

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
}
