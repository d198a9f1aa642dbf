using System.Net;
using System.Security.Cryptography.X509Certificates;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Hosting;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Admin;

/// <summary>
/// <c>&lt;admin endpoint="127.0.0.1:8080" tokenFile="admin.token" anonymousRead="false" /&gt;</c> under
/// <c>&lt;frontDoor&gt;</c>. Absent: no admin endpoint. With certificate (and certificateKey,
/// certificatePassword, as on a listener) it serves HTTPS.
/// </summary>
internal sealed record AdminOptions(IPEndPoint Endpoint, AdminToken Token, bool AnonymousRead, X509Certificate2? Certificate)
{
    public const string Section = "frontDoor:admin";

    /// <summary>The options, or null when there is no &lt;admin&gt; element.</summary>
    public static AdminOptions? Read(IConfiguration configuration, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var element = configuration.GetSection(Section);
        if (!element.GetChildren().Any())
        {
            return null;
        }

        const string where = "<admin>";
        var endpoint = ConfigElements.ParseListenEndpoint(ConfigElements.Required(element, "admin", "endpoint"), $"{where} endpoint");
        var tokenFile = ConfigElements.Required(element, "admin", "tokenFile");
        var token = AdminToken.Load(tokenFile, Path.GetFullPath(Path.Combine(baseDirectory, tokenFile)));
        var anonymousRead = ConfigElements.Boolean(element["anonymousRead"], $"{where} anonymousRead", fallback: false);
        var certificate = element["certificate"] is null ? null : ListenerReader.LoadCertificate(element, where, baseDirectory);
        return new AdminOptions(endpoint, token, anonymousRead, certificate);
    }

    /// <summary>The base address a client on this machine uses (a wildcard endpoint is reached on the loopback).</summary>
    public Uri LocalUri(int? boundPort = null)
    {
        var address = Endpoint.Address;
        if (address.Equals(IPAddress.Any))
        {
            address = IPAddress.Loopback;
        }
        else if (address.Equals(IPAddress.IPv6Any))
        {
            address = IPAddress.IPv6Loopback;
        }

        var scheme = Certificate is null ? "http" : "https";
        return new Uri($"{scheme}://{new IPEndPoint(address, boundPort ?? Endpoint.Port)}/");
    }
}
