using System.Text.Encodings.Web;
using FrontDoor.Core.Hooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Admin;

/// <summary>
/// The admin endpoint: Kestrel with the API, the OpenAPI document and the status page, started and stopped
/// by FrontDoor's Generic Host in the same process. Its own small web application holds the HTTP pieces
/// (routing, Kestrel); the state it shows comes from FrontDoor's container (<see cref="AdminQueries"/>).
/// </summary>
internal sealed partial class AdminEndpointService : IHostedService, IAsyncDisposable
{
    private readonly AdminOptions? _options;
    private readonly IServiceProvider _services;
    private readonly ILogger<AdminEndpointService> _logger;
    private WebApplication? _app;

    public AdminEndpointService(AdminOptionsHolder options, IServiceProvider services, ILogger<AdminEndpointService> logger)
    {
        _options = options.Options;
        _services = services;
        _logger = logger;
    }

    /// <summary>Where the endpoint listens once started (the real port when the config says 0); null when off.</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options is null)
        {
            return;
        }

        var app = Build(_options);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // Kestrel says "address in use" with an InvalidOperationException, other bind failures with IOException.
            await app.DisposeAsync().ConfigureAwait(false);
            throw new FrontDoorConfigurationException($"<admin> endpoint=\"{_options.Endpoint}\": cannot listen: {ex.Message}", ex);
        }

        _app = app;
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Address = _options.LocalUri(bound is null ? null : new Uri(bound).Port);
        LogServing(Address, _options.AnonymousRead);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }

    private WebApplication Build(AdminOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(AdminEndpointService).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
            Args = [],
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(_services.GetRequiredService<ILoggerFactory>()));

        // One line per request would flood the journal (the page polls every second); warnings still show.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Services.AddSingleton<IHostLifetime, HostedLifetime>();
        builder.Services.AddSingleton(_services.GetRequiredService<AdminQueries>());
        builder.Services.AddSingleton(new AdminAuthorization(options));
        builder.Services.AddOpenApi();

        // The strict encoder: <, >, &, ' and " inside strings are written as \u003C..., so a login name
        // in the JSON can never be read as markup, whatever a client does with it.
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Encoder = JavaScriptEncoder.Default);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // An admin API has no business with big requests: a 1 MB query string is refused (414) before
            // any of our code runs, and so is a body.
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
            kestrel.Listen(options.Endpoint, listen =>
            {
                if (options.Certificate is not null)
                {
                    listen.UseHttps(options.Certificate);
                }
            });
        });

        var app = builder.Build();
        var authorization = app.Services.GetRequiredService<AdminAuthorization>();
        app.Use((HttpContext context, Func<Task> next) => authorization.InvokeAsync(context, next));
        app.MapOpenApi();
        AdminApi.Map(app);
        StatusPage.Map(app);
        return app;
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Admin endpoint on {Address} (anonymous read: {AnonymousRead})")]
    private partial void LogServing(Uri address, bool anonymousRead);
}

/// <summary>The &lt;admin&gt; element as read at start-up; null options when there is none.</summary>
internal sealed record AdminOptionsHolder(AdminOptions? Options);
