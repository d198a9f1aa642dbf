using System.Globalization;
using FrontDoor.Testing;

namespace FrontDoor.IntegrationTests.Servers;

/// <summary>
/// The built FrontDoor executable as a separate process, for what an in-process host cannot show: a node
/// killed like a crash (no BYE, sockets reset by the kernel).
/// </summary>
public sealed class FrontDoorProcess : ForegroundServer
{
    private FrontDoorProcess(System.Diagnostics.Process process, string directory, int port)
        : base(process, directory, port)
    {
    }

    /// <summary>Starts FrontDoor with one "imap" listener on a loopback port, written with <paramref name="listenerAttributes"/>, and <paramref name="frontDoorBody"/>.</summary>
    /// <param name="environment">Variables set for the process only (an operator's <c>Environment=</c>).</param>
    public static async Task<FrontDoorProcess> StartAsync(string listenerAttributes, string frontDoorBody, IReadOnlyDictionary<string, string>? environment = null)
    {
        var port = LoopbackPorts.Pick();
        var directory = System.IO.Directory.CreateTempSubdirectory("fd-node-").FullName;
        var config = Path.Combine(directory, "FrontDoor.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <frontDoor>
                <listeners><listener name="imap" endpoint="127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}" {listenerAttributes} /></listeners>
                <plugins directory="{RepoPaths.PluginDirectory}" />
                {frontDoorBody}
              </frontDoor>
            </configuration>
            """);
        var executable = Path.Combine(Path.GetDirectoryName(RepoPaths.PluginDirectory)!, "FrontDoor");
        var node = new FrontDoorProcess(Launch(executable, "FrontDoor (dotnet build FrontDoor.sln)", environment, "--config", config), directory, port);
        await node.WaitListeningAsync();
        return node;
    }
}
