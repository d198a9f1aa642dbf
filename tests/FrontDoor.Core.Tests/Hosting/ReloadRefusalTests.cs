using FrontDoor.Core.Hooks;
using FrontDoor.Core.Hosting;
using FrontDoor.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace FrontDoor.Core.Tests.Hosting;

/// <summary>An edit of FrontDoor.config with one bad value is refused whole, in one log line.</summary>
public class ReloadRefusalTests
{
    [Fact]
    public async Task A_live_edit_to_literalPlus_synchronise_is_refused_whole_and_the_last_good_config_stays()
    {
        var capture = new CapturingLoggerProvider();
        await using var frontDoor = await TestFrontDoor.StartAsync(
            """<backends><backend name="legacy" endpoint="127.0.0.1:9" literalPlus="synchronize" /></backends><routing default="legacy" />""",
            string.Empty,
            services => services.AddSingleton<ILoggerProvider>(capture));
        var reloader = frontDoor.Services.GetRequiredService<ConfigurationReloader>();

        // One edit, two changes: a new backend (valid) and the typo. Written whole, then moved over the file.
        var config = await File.ReadAllTextAsync(frontDoor.ConfigPath);
        var edited = config.Replace(
            """<backend name="legacy" endpoint="127.0.0.1:9" literalPlus="synchronize" />""",
            """<backend name="legacy" endpoint="127.0.0.1:9" literalPlus="synchronise" /><backend name="added" endpoint="127.0.0.1:10" />""",
            StringComparison.Ordinal);
        Assert.NotEqual(config, edited);
        var staged = frontDoor.ConfigPath + ".new";
        await File.WriteAllTextAsync(staged, edited);
        File.Move(staged, frontDoor.ConfigPath, overwrite: true);

        var status = await WaitForRefusalAsync(reloader, capture);
        const string reason = "<backend name=\"legacy\"> literalPlus=\"synchronise\": expected one of auto, synchronize, passthrough";
        Assert.False(status.Applied);
        Assert.Equal(reason, status.Error);

        // Nothing of the edit was taken: not the new backend, not the typo (which auto would have read as passthrough).
        var current = frontDoor.Services.GetRequiredService<IBackendCatalogMonitor>().Current;
        Assert.False(current.Contains("added"));
        Assert.Equal("synchronize", current.Backends["legacy"].Attribute("literalPlus"));

        // The log says so in one line naming the element and the value.
        var refusals = capture.Lines.Where(l => l.Contains("Configuration reload refused", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(refusals);
        Assert.All(refusals, line =>
        {
            Assert.Contains("the last good configuration stays: " + reason, line, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', line.TrimEnd());
        });
    }

    [Fact]
    public void The_reload_transaction_refuses_before_any_plugin_applies_anything()
    {
        // The transaction itself, without a host or the file watch.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["frontDoor:backends:backend:name"] = "legacy",
                ["frontDoor:backends:backend:endpoint"] = "127.0.0.1:9",
                ["frontDoor:backends:backend:literalPlus"] = "synchronize",
            })
            .Build();
        var initial = BackendsReader.Read(configuration.GetSection("frontDoor:backends"), []);
        var applied = false;
        var prepared = false;
        PluginReload plugin = new("Sample", "frontDoor:plugins:Sample", _ =>
        {
            prepared = true;
            return () => applied = true;
        });
        using var reloader = new ConfigurationReloader(configuration, initial, [new RefusingValidator()], [plugin], TimeProvider.System, NullLogger.Instance);

        configuration["frontDoor:backends:backend:literalPlus"] = "synchronise";

        Assert.False(reloader.Reload());
        Assert.Same(initial, reloader.Current);
        Assert.Equal("<backend name=\"legacy\"> literalPlus=\"synchronise\": refused", reloader.LastReload?.Error);
        Assert.False(prepared);
        Assert.False(applied);

        configuration["frontDoor:backends:backend:literalPlus"] = "synchronize";
        Assert.True(reloader.Reload());
        Assert.True(applied);
    }

    private static async Task<ReloadStatus> WaitForRefusalAsync(ConfigurationReloader reloader, CapturingLoggerProvider capture)
    {
        // The file watch takes a moment; this waits for the outcome, it does not time it. A reload of the
        // unchanged file may come first (the watch can report the file the test host wrote at start), so
        // the wait is for a refusal and its log line (written just after the status); with no refusal the
        // test fails at the timeout.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (reloader.LastReload is not { Applied: false }
            || !capture.Lines.Any(l => l.Contains("Configuration reload refused", StringComparison.Ordinal)))
        {
            await Task.Delay(50, timeout.Token);
        }

        return reloader.LastReload!;
    }

    private sealed class RefusingValidator : IBackendValidator
    {
        public void Validate(BackendTarget backend)
        {
            if (backend.Attribute("literalPlus") is { } value && value != "synchronize")
            {
                throw new FrontDoorConfigurationException($"<backend name=\"{backend.Name}\"> literalPlus=\"{value}\": refused");
            }
        }
    }
}
