using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Admin;

/// <summary>
/// The admin web application's lifetime is FrontDoor's: it starts and stops with the Generic Host, so it
/// must not take Ctrl-C / SIGTERM for itself nor print its own "Application started" lines.
/// </summary>
internal sealed class HostedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Hands the admin application's log events to FrontDoor's loggers (console, journal), after its own filters.</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
        // The target belongs to FrontDoor's host.
    }
}
