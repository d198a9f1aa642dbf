using System.Net;
using System.Net.Sockets;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Core.Diagnostics;

/// <summary>
/// <c>&lt;metrics prometheus="127.0.0.1:9464" /&gt;</c> under <c>&lt;frontDoor&gt;</c>: where to serve the
/// Prometheus scrape endpoint (<c>/metrics</c>). Absent: no endpoint; the "FrontDoor" meter is still there
/// for in-process listeners and dotnet-counters.
/// </summary>
internal sealed record MetricsOptions(IPEndPoint? Prometheus)
{
    public const string ScrapePath = "/metrics";

    public static MetricsOptions None { get; } = new((IPEndPoint?)null);

    /// <summary>
    /// The HttpListener prefix: a wildcard host for 0.0.0.0 and [::], else the IPv4 address itself. HttpListener
    /// binds that address and answers only requests whose Host is that address (or any, for the wildcard).
    /// </summary>
    public string? Prefix => Prometheus is null ? null : $"http://{HostOf(Prometheus)}:{Prometheus.Port}/";

    /// <summary>The scrape URL an operator can open (for a wildcard address, on the loopback).</summary>
    public Uri? ScrapeUrl
    {
        get
        {
            if (Prometheus is null)
            {
                return null;
            }

            var address = Prometheus.Address;
            if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            {
                address = IPAddress.Loopback;
            }

            return new Uri($"http://{new IPEndPoint(address, Prometheus.Port)}{ScrapePath}");
        }
    }

    public static MetricsOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration["frontDoor:metrics:prometheus"];
        if (value is null)
        {
            return None;
        }

        const string where = "<metrics> prometheus";
        if (!IPEndPoint.TryParse(value.Trim(), out var endpoint) || !value.Contains(':', StringComparison.Ordinal))
        {
            throw new FrontDoorConfigurationException($"{where}=\"{value}\": expected an IP address and port to serve {ScrapePath} on, e.g. 127.0.0.1:9464");
        }

        if (endpoint.Port == 0)
        {
            throw new FrontDoorConfigurationException($"{where}=\"{value}\": give a port (0 is not possible for the scrape endpoint), e.g. 127.0.0.1:9464");
        }

        // The HttpListener the exporter runs on takes an IPv4 address or a wildcard, not an IPv6 literal.
        if (endpoint.AddressFamily == AddressFamily.InterNetworkV6 && !endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            throw new FrontDoorConfigurationException($"{where}=\"{value}\": an IPv6 address other than [::] cannot be served; give an IPv4 address, 0.0.0.0 or [::] (all addresses)");
        }

        return new MetricsOptions(endpoint);
    }

    private static string HostOf(IPEndPoint endpoint)
    {
        if (endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            return "*";
        }

        return endpoint.Address.ToString();
    }
}
