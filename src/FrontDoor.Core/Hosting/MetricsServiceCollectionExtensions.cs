using FrontDoor.Core.Diagnostics;
using System.Net;
using System.Reflection;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace FrontDoor.Core.Hosting;

/// <summary>Registers the "FrontDoor" meter, its observers, and the Prometheus endpoint when configured.</summary>
internal static class MetricsServiceCollectionExtensions
{
    public static IServiceCollection AddFrontDoorMetrics(this IServiceCollection services, MetricsOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.AddMetrics();
        services.AddSingleton(options);
        services.AddSingleton<FrontDoorMetrics>();
        services.AddHostedService<MetricsObservers>();
        if (options.Prometheus is not null)
        {
            services.AddHostedService<PrometheusEndpointService>();
        }

        return services;
    }
}

/// <summary>
/// The OpenTelemetry meter provider with its Prometheus exporter on an HttpListener (no ASP.NET): opened
/// at start-up, before the IMAP listeners, with a failure to listen turned into the one-line configuration
/// error an operator reads; closed at stop.
/// </summary>
internal sealed partial class PrometheusEndpointService : IHostedService, IDisposable
{
    private readonly MetricsOptions _options;
    private readonly ILogger<PrometheusEndpointService> _logger;
    private MeterProvider? _provider;

    public PrometheusEndpointService(MetricsOptions options, ILogger<PrometheusEndpointService> logger)
    {
        _options = options;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var prefix = _options.Prefix!;
        var version = typeof(PrometheusEndpointService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        try
        {
            _provider = Sdk.CreateMeterProviderBuilder()
                .ConfigureResource(resource => resource.AddService("FrontDoor", serviceVersion: version))
                .AddMeter(FrontDoorMetrics.MeterName)
                .AddPrometheusHttpListener(listener =>
                {
                    listener.Host = _options.Prometheus!.Address.ToString();
                    listener.Port = _options.Prometheus.Port;
                    listener.ScrapeEndpointPath = MetricsOptions.ScrapePath;

                    // Every scrape reads the counters now (they are few, and cheap to read).
                    listener.ScrapeResponseCacheDurationMilliseconds = 0;
                    listener.ConfigureHttpListener = (_, http) =>
                    {
                        // Exactly the configured address (a wildcard for 0.0.0.0 and [::]).
                        http.Prefixes.Clear();
                        http.Prefixes.Add(prefix);
                    };
                })
                .Build();
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpListenerException)
        {
            var reason = ex.InnerException?.Message ?? ex.Message;
            throw new FrontDoorConfigurationException($"<metrics> prometheus=\"{_options.Prometheus}\": cannot listen: {reason}", ex);
        }

        LogServing(_options.ScrapeUrl!);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _provider?.Dispose();
        _provider = null;
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Metrics for Prometheus on {Url}")]
    private partial void LogServing(Uri url);
}
