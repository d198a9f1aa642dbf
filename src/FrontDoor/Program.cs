using FrontDoor.Core.Hooks;
using FrontDoor.Core.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

try
{
    using var host = FrontDoorHost.Build(args, services =>
    {
        // Each is a no-op unless the process was started by systemd (Type=notify) or the Windows SCM.
        services.AddSystemd();
        services.AddWindowsService(options => options.ServiceName = "FrontDoor");
    });
    await host.RunAsync().ConfigureAwait(false);
    return 0;
}
catch (FrontDoorConfigurationException ex)
{
    // One clear line naming the element and the value; nothing else to read.
    await Console.Error.WriteLineAsync($"FrontDoor: configuration error: {ex.Message}").ConfigureAwait(false);
    return 2;
}
