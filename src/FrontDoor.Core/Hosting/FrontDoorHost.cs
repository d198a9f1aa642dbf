using FrontDoor.Core.Backends;
using FrontDoor.Core.Diagnostics;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Sessions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Hosting;

/// <summary>
/// Builds the FrontDoor host: configuration, plugins, the session services, the listeners. The executable
/// adds systemd and Windows service support; tests build the same host in-process.
/// </summary>
internal static class FrontDoorHost
{
    public static IHost Build(string[] args, Action<IServiceCollection>? configureHost = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = AppContext.BaseDirectory,
        });
        var (configuration, configPath, _, catalog, _, _) = Configure(args, builder.Services);
        // The host disposes it, and with it the config file's watch.
        builder.Configuration.AddConfiguration(configuration, shouldDisposeConfiguration: true);
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(console =>
        {
            console.IncludeScopes = true;
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
            console.UseUtcTimestamp = true;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);

        // The logger factory takes it for every provider's scopes: a session's id on each of its lines.
        builder.Services.AddSingleton<IExternalScopeProvider, SessionLogScopes>();

        configureHost?.Invoke(builder.Services);
        var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FrontDoorHost));
        var pluginNames = string.Join(", ", catalog.Plugins.Select(p => p.Name));
        HostLog.Configured(logger, configPath, pluginNames);
        foreach (var skipped in catalog.Skipped)
        {
            HostLog.PluginFolderSkipped(logger, skipped);
        }
        return host;
    }

    /// <summary>
    /// What start-up and <c>check-config</c> share: reads and validates the config, loads the plugins, and
    /// registers the core's services and each plugin's into <paramref name="services"/>. Starts nothing.
    /// </summary>
    public static FrontDoorSetup Configure(string[] args, IServiceCollection services)
    {
        var (configuration, configPath) = FrontDoorConfiguration.Build(args);
        try
        {
            return Register(configuration, configPath, services);
        }
        catch
        {
            // A config that fails validation must not leave its file watch behind.
            (configuration as IDisposable)?.Dispose();
            throw;
        }
    }

    private static FrontDoorSetup Register(IConfigurationRoot configuration, string configPath, IServiceCollection services)
    {
        var options = FrontDoorOptions.Read(configuration, AppContext.BaseDirectory);
        var metrics = MetricsOptions.Read(configuration);
        var catalog = PluginCatalog.Load(options.PluginDirectory);

        // Core reads and validates <backends> first; each plugin's validators then run over them as the
        // plugin adds them, and again, all together, at every reload.
        var validators = new List<IBackendValidator>();
        var backends = BackendsReader.Read(configuration.GetSection("frontDoor:backends"), validators);
        var reloads = new List<PluginReload>();
        foreach (var plugin in catalog.Plugins)
        {
            var section = PluginSection(plugin);
            var prepares = new List<Func<PluginConfiguration, Action>>();
            var context = new PluginContext(plugin.Name, new PluginConfiguration(configuration, section, backends), validators, prepares);
            plugin.Plugin.ConfigureServices(services, context);
            reloads.AddRange(prepares.Select(p => new PluginReload(plugin.Name, section, p)));
        }

        if (!services.Any(d => d.ServiceType == typeof(IBackendRouter)))
        {
            throw new FrontDoorConfigurationException(
                $"<plugins directory=\"{options.PluginDirectory}\">: no plugin routes users to backends (is BackendRouting there?)");
        }

        services.AddSingleton(options);
        services.AddSingleton(new ConfigurationFile(configPath));
        services.AddSingleton(catalog);
        services.AddSingleton(options.Limits);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new ConfigurationReloader(
            configuration, backends, validators, reloads, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("FrontDoor.Configuration")));
        services.AddSingleton<IBackendCatalogMonitor>(sp => sp.GetRequiredService<ConfigurationReloader>());
        services.AddSingleton<BackendHealth>();
        services.AddSingleton<BackendResolver>();
        services.AddSingleton(sp => new SessionRegistry(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ISessionRegistry>(sp => sp.GetRequiredService<SessionRegistry>());
        services.AddSingleton<ICapabilityFilter>(new ProxyCapabilityFilter(options.Listeners));
        services.AddSingleton<ResiliencePipelines>();
        // The transports: sockets here; a test host replaces both with in-memory ones (tests/Shared/InMemory).
        services.AddSingleton<IConnectionListenerFactory, SocketListenerFactory>();
        services.AddSingleton<IBackendDialer, TcpBackendDialer>();
        services.AddSingleton(sp => new BackendConnector(
            sp.GetRequiredService<ResiliencePipelines>(), sp.GetRequiredService<IBackendDialer>(), sp.GetRequiredService<ILogger<BackendConnector>>(), options.Limits.MaxResponseLineLength, sp.GetRequiredService<FrontDoorMetrics>()));
        services.AddSingleton<RelayCounters>();
        services.AddSingleton<BackendSessionCounter>();
        services.AddSingleton(sp => new CapabilityPipeline(sp.GetServices<ICapabilityFilter>()));
        services.AddSingleton(sp => new CommandRewriterChain(sp.GetServices<ICommandRewriter>(), options.Limits.MaxCommandLineLength));
        services.AddSingleton(sp => new ResponseRewriterChain(
            sp.GetServices<IResponseRewriter>().Prepend(new CapabilityResponseRewriter(sp.GetRequiredService<CapabilityPipeline>(), sp.GetRequiredService<RelayCounters>())),
            options.Limits.MaxResponseLineLength));
        services.AddSingleton(sp => new BackendRouterChain(sp.GetServices<IBackendRouter>()));
        services.AddSingleton(sp => new IdleSweeper(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new PreAuthDeadlines(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new RelayServices(
            sp.GetRequiredService<CommandRewriterChain>(),
            sp.GetRequiredService<ResponseRewriterChain>(),
            sp.GetRequiredService<RelayCounters>(),
            options.Limits,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IdleSweeper>(),
            sp.GetRequiredService<SessionRegistry>()));
        services.AddSingleton(sp => new ProtocolTraceFactory(configuration, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new SessionServices(
            sp.GetRequiredService<CapabilityPipeline>(),
            sp.GetRequiredService<BackendRouterChain>(),
            sp.GetRequiredService<BackendResolver>(),
            sp.GetRequiredService<BackendConnector>(),
            sp.GetRequiredService<BackendSessionCounter>(),
            sp.GetRequiredService<RelayServices>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<FrontDoorMetrics>(),
            sp.GetRequiredService<ProtocolTraceFactory>(),
            sp.GetRequiredService<PreAuthDeadlines>())
        {
            Failures = sp.GetRequiredService<IAuthFailureThrottle>(),
        });
        AddThrottle(services, ThrottleOptions.Read(configuration), options.Limits);
        services.AddFrontDoorMetrics(metrics);
        services.AddSingleton<TokenIntrospections>();
        services.AddSingleton<ListenerService>();
        services.AddHostedService(sp =>
        {
            // Edits are followed from the moment the listeners start.
            sp.GetRequiredService<ConfigurationReloader>().Watch();
            return sp.GetRequiredService<ListenerService>();
        });

        return new FrontDoorSetup(configuration, configPath, options, catalog, metrics, backends);
    }

    /// <summary>Failed logins counted on this node, or in Redis with this node's count as the fallback.</summary>
    private static void AddThrottle(IServiceCollection services, ThrottleOptions throttle, SessionLimits limits)
    {
        services.AddSingleton(sp => new AuthFailureTracker(sp.GetRequiredService<TimeProvider>(), limits));
        if (throttle.Redis is null)
        {
            services.AddSingleton<IAuthFailureThrottle>(sp => sp.GetRequiredService<AuthFailureTracker>());
            return;
        }

        services.AddSingleton(sp => new RedisAuthFailureThrottle(
            throttle, limits, sp.GetRequiredService<AuthFailureTracker>(), sp.GetRequiredService<ILogger<RedisAuthFailureThrottle>>()));
        services.AddSingleton<IAuthFailureThrottle>(sp => sp.GetRequiredService<RedisAuthFailureThrottle>());
    }

    /// <summary>A plugin's own element: &lt;frontDoor&gt;&lt;routing&gt; for a plugin that says "routing", else &lt;frontDoor&gt;&lt;plugins&gt;&lt;Name&gt;.</summary>
    private static string PluginSection(LoadedPlugin plugin) =>
        "frontDoor:" + (plugin.Plugin.ConfigSection is { Length: > 0 } own ? own.Replace('/', ':') : "plugins:" + plugin.Name);
}

/// <summary>A config read, validated and registered by <see cref="FrontDoorHost.Configure"/>.</summary>
internal sealed record FrontDoorSetup(IConfigurationRoot Configuration, string ConfigPath, FrontDoorOptions Options, PluginCatalog Catalog, MetricsOptions Metrics, BackendCatalog Backends);
