using System.Net;
using FrontDoor.Core.Backends;
using FrontDoor.Core.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FrontDoor.Testing;

/// <summary>
/// A real FrontDoor host, built in-process from a config file exactly as the executable builds it, with
/// the real plugins from the plugin folder, listening on a free loopback port; or, on
/// <see cref="TestTransport.InMemory"/>, with in-memory listeners and backend connects in place of sockets
/// (clients come through <see cref="ConnectAsync"/>, backends are <see cref="ScriptedBackend"/>s in memory).
/// </summary>
internal sealed class TestFrontDoor : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _directory;
    private readonly InMemoryListenerFactory? _inMemory;

    private TestFrontDoor(IHost host, string directory, IPEndPoint endpoint, InMemoryListenerFactory? inMemory)
    {
        _host = host;
        _directory = directory;
        Endpoint = endpoint;
        _inMemory = inMemory;
    }

    /// <summary>The "imap" listener's address: loopback, or a made-up one in memory (<see cref="TestAddresses.Listener"/>).</summary>
    public IPEndPoint Endpoint { get; }

    public IServiceProvider Services => _host.Services;

    public string ConfigPath => Path.Combine(_directory, "FrontDoor.config");

    // COMPRESS=DEFLATE is on by default; it is off here so that capability lists in wire tests stay those
    // of the backend. Compression tests name their listener (CompressionTests).
    private const string PlainListener = """<listener name="imap" endpoint="127.0.0.1:0" tls="none" compress="false" />""";

    /// <summary>Starts FrontDoor with a config whose &lt;frontDoor&gt; body is <paramref name="frontDoorBody"/>.</summary>
    public static Task<TestFrontDoor> StartAsync(string frontDoorBody, string appSettings = "", params string[] extraArgs) =>
        StartAsync(TestTransport.Tcp, PlainListener, frontDoorBody, appSettings, configureHost: null, extraArgs);

    /// <summary>As above, with a chance to replace services (a fake clock, a log capture) before the host is built.</summary>
    public static Task<TestFrontDoor> StartAsync(string frontDoorBody, string appSettings, Action<IServiceCollection>? configureHost, params string[] extraArgs) =>
        StartAsync(TestTransport.Tcp, PlainListener, frontDoorBody, appSettings, configureHost, extraArgs);

    /// <summary>On <paramref name="transport"/>, with a chance to replace services and extra command-line settings.</summary>
    public static Task<TestFrontDoor> StartAsync(TestTransport transport, string frontDoorBody, Action<IServiceCollection>? configureHost = null, params string[] extraArgs) =>
        StartAsync(transport, PlainListener, frontDoorBody, string.Empty, configureHost, extraArgs);

    /// <summary>On <paramref name="transport"/>, with appSettings, a chance to replace services and extra command-line settings.</summary>
    public static Task<TestFrontDoor> StartAsync(TestTransport transport, string frontDoorBody, string appSettings, Action<IServiceCollection>? configureHost = null, params string[] extraArgs) =>
        StartAsync(transport, PlainListener, frontDoorBody, appSettings, configureHost, extraArgs);

    /// <summary>Starts FrontDoor with its "imap" listener written as <paramref name="listenerElement"/> (TLS, PROXY, limits).</summary>
    public static Task<TestFrontDoor> StartWithListenerAsync(string listenerElement, string frontDoorBody, string appSettings = "") =>
        StartAsync(TestTransport.Tcp, listenerElement, frontDoorBody, appSettings, configureHost: null, []);

    /// <summary>A named listener, and a chance to replace services (a log capture), with extra command-line settings.</summary>
    public static Task<TestFrontDoor> StartWithListenerAsync(string listenerElement, string frontDoorBody, Action<IServiceCollection>? configureHost, params string[] extraArgs) =>
        StartAsync(TestTransport.Tcp, listenerElement, frontDoorBody, string.Empty, configureHost, extraArgs);

    /// <summary>A named listener on <paramref name="transport"/>, with a chance to replace services and extra command-line settings.</summary>
    public static Task<TestFrontDoor> StartWithListenerAsync(TestTransport transport, string listenerElement, string frontDoorBody, Action<IServiceCollection>? configureHost = null, params string[] extraArgs) =>
        StartAsync(transport, listenerElement, frontDoorBody, string.Empty, configureHost, extraArgs);

    /// <summary>A raw client connected to the "imap" listener over the host's transport (its greeting not read yet).</summary>
    public async Task<RawImapClient> ConnectAsync(IPEndPoint? from = null)
    {
        if (_inMemory is not null)
        {
            return new RawImapClient(_inMemory.Connect("imap", from));
        }

        return await RawImapClient.ConnectAsync(Endpoint);
    }

    private static async Task<TestFrontDoor> StartAsync(TestTransport transport, string listenerElement, string frontDoorBody, string appSettings, Action<IServiceCollection>? configureHost, string[] extraArgs)
    {
        var directory = Directory.CreateTempSubdirectory("frontdoor-test-").FullName;
        var config = $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <appSettings>{appSettings}</appSettings>
              <frontDoor>
                <listeners>{listenerElement}</listeners>
                <plugins directory="{RepoPaths.PluginDirectory}" />
                {frontDoorBody}
              </frontDoor>
            </configuration>
            """;
        var path = Path.Combine(directory, "FrontDoor.config");
        await File.WriteAllTextAsync(path, config);
        var inMemory = transport == TestTransport.InMemory ? new InMemoryListenerFactory() : null;
        var host = FrontDoorHost.Build(["--config", path, "--Logging:LogLevel:Default", "Warning", .. extraArgs], services =>
        {
            if (inMemory is not null)
            {
                services.AddSingleton<IConnectionListenerFactory>(inMemory);
                services.AddSingleton<IBackendDialer>(InMemoryBackends.Network);
            }

            configureHost?.Invoke(services);
        });
        await host.StartAsync();
        var endpoint = host.Services.GetRequiredService<ListenerService>().Endpoints["imap"];
        return new TestFrontDoor(host, directory, endpoint, inMemory);
    }

    /// <summary>Backends and a default route in one go: each (name, port) pair becomes a backend.</summary>
    public static string Backends(string defaultBackend, params (string Name, int Port, string Extra)[] backends)
    {
        var elements = string.Join("\n", backends.Select(b => $"<backend name=\"{b.Name}\" endpoint=\"127.0.0.1:{b.Port}\" {b.Extra} />"));
        return $"<backends>{elements}</backends>";
    }

    public Task StopAsync() => _host.StopAsync(TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            _host.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }
}
