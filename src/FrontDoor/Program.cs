using FrontDoor.Admin;
using FrontDoor.Core.Diagnostics;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// FrontDoor check-config [PATH] [overrides]: validate as start-up would, print what would run, start nothing.
if (args.Length > 0 && args[0] is "check-config" or "--check-config")
{
    return ConfigurationCheck.Run(args[1..], Console.Out, Console.Error, services => services.AddFrontDoorAdmin());
}

// FrontDoor who | kick USER | drain BACKEND, each --config PATH: ask the running FrontDoor's admin endpoint.
if (args.Length > 0 && AdminCommands.Handles(args[0]))
{
    return await AdminCommands.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
}

// Before anything creates a socket: the runtime reads this once.
FrontDoor.Core.Protocol.InlineSocketCompletions.PreferUnlessSet();

try
{
    using var host = FrontDoorHost.Build(args, services =>
    {
        // Each is a no-op unless the process was started by systemd (Type=notify) or the Windows SCM.
        services.AddSystemd();
        services.AddWindowsService(options => options.ServiceName = "FrontDoor");
        services.AddFrontDoorAdmin();
    });
    await host.RunAsync().ConfigureAwait(false);
    return 0;
}
catch (FrontDoorConfigurationException ex)
{
    // One clear line naming the element and the value; nothing else to read.
    await Console.Error.WriteLineAsync(ConfigurationCheck.ErrorLine(ex)).ConfigureAwait(false);
    return ConfigurationCheck.Invalid;
}
