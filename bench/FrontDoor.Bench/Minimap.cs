using System.Globalization;
using System.Net;

namespace FrontDoor.Bench;

/// <summary>
/// bench/minimap/minimap.c, built by bench.sh: a single-threaded epoll IMAP backend that accepts every
/// login and holds an idle session in a few hundred bytes, where Dovecot cannot hold tens of thousands.
/// It listens on several ports, so that a proxy's connections to it are not limited to one port range.
/// </summary>
internal sealed class MinimapProcess : ServerProcess
{
    private MinimapProcess(string logPath, int[] ports)
        : base(logPath)
    {
        Ports = ports;
    }

    public int[] Ports { get; }

    public override IPEndPoint Endpoint => new(IPAddress.Loopback, Ports[0]);

    public override long Rss() => Os.Rss(Pid);

    public static MinimapProcess Start(BenchContext context, string name, int ports)
    {
        var binary = context.MinimapBinary ?? throw new BenchException("--minimap was not given (bench.sh builds bench/minimap)");
        var chosen = Enumerable.Range(0, ports).Select(_ => Os.FreePort()).Distinct().ToArray();
        var server = new MinimapProcess(Path.Combine(context.Work, $"minimap-{name}.log"), chosen);
        server.StartProcess(binary, ["--port", string.Join(',', chosen), "--message", context.Settings.MessageSize.ToString(CultureInfo.InvariantCulture)], "minimap");
        return server;
    }

    /// <summary>
    /// FrontDoor in front of minimap: one backend per port and a pool of them, so sessions spread over the
    /// ports by user (rendezvous hash) and 100,000 sessions do not need more than one source address.
    /// </summary>
    public string FrontDoorConfig(BenchContext context, string listen)
    {
        var backends = string.Join("\n      ", Ports.Select((p, i) => $"""<backend name="m{i}" endpoint="127.0.0.1:{p}" tls="none" />"""));
        var members = string.Join(' ', Ports.Select((_, i) => $"m{i}"));
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <frontDoor>
                <listeners>
                  <listener name="imap" endpoint="{listen}" tls="none" />
                </listeners>
                <plugins directory="{context.PluginDirectory}" />
                <backends>
                  {backends}
                  <pool name="mini" members="{members}" />
                </backends>
                <routing default="mini" />
              </frontDoor>
            </configuration>
            """;
    }
}
