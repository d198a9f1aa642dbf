using FrontDoor.Core.Sessions;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Core.Hosting;

/// <summary>Reads and validates the &lt;listener&gt; elements, certificates included.</summary>
internal static class ListenerReader
{
    public static List<ListenerOptions> Read(IConfigurationSection listenersSection, string baseDirectory)
    {
        var listeners = new List<ListenerOptions>();
        foreach (var element in ConfigElements.Of(listenersSection.GetSection("listener")))
        {
            var listener = ReadOne(element, baseDirectory);
            if (listeners.Exists(l => string.Equals(l.Name, listener.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new FrontDoorConfigurationException($"{ConfigElements.Describe("listener", element)}: a listener with that name already exists");
            }

            listeners.Add(listener);
        }

        if (listeners.Count == 0)
        {
            throw new FrontDoorConfigurationException("<listeners>: no <listener> element; FrontDoor would accept no one");
        }

        return listeners;
    }

    private static ListenerOptions ReadOne(IConfigurationSection element, string baseDirectory)
    {
        var where = ConfigElements.Describe("listener", element);
        var name = element["name"] ?? "imap";
        var endpoint = ConfigElements.ParseListenEndpoint(ConfigElements.Required(element, "listener", "endpoint"), $"{where} endpoint");
        var tls = ConfigElements.OneOf(element, "listener", "tls", "none", "none", "starttls", "implicit") switch
        {
            "starttls" => ListenerTls.StartTls,
            "implicit" => ListenerTls.Implicit,
            _ => ListenerTls.None,
        };

        return new ListenerOptions(name, endpoint, tls)
        {
            Certificate = tls == ListenerTls.None ? null : LoadCertificate(element, where, baseDirectory),
            AllowPlaintextAuth = ConfigElements.Boolean(element["allowPlaintextAuth"], $"{where} allowPlaintextAuth", fallback: false),
            ProxyProtocol = ConfigElements.Boolean(element["proxyProtocol"], $"{where} proxyProtocol", fallback: false),
            TrustedProxies = ParseNetworks(element["trustedProxies"], $"{where} trustedProxies"),
            MaxConnections = Count(element, "maxConnections", where),
            MaxConnectionsPerAddress = Count(element, "maxConnectionsPerAddress", where),
            SaslMechanisms = SaslMechanismsReader.Read(element["saslMechanisms"], where),
            OAuthIntrospection = IntrospectionOptionsReader.Read(element, where),
            Compress = ConfigElements.Boolean(element["compress"], $"{where} compress", fallback: true),
            CompressSettings = ReadDeflateSettings(element, where),
        };
    }

    /// <summary>Loads certificate (PFX, or PEM with certificateKey) and certificatePassword of <paramref name="element"/>; shared with the admin endpoint.</summary>
    internal static X509Certificate2 LoadCertificate(IConfigurationSection element, string where, string baseDirectory)
    {
        var certificate = element["certificate"] ?? throw new FrontDoorConfigurationException($"{where}: a TLS listener needs certificate=\"PFX or PEM file\"");
        var path = Path.GetFullPath(Path.Combine(baseDirectory, certificate));
        if (!File.Exists(path))
        {
            throw new FrontDoorConfigurationException($"{where} certificate=\"{certificate}\": file not found ({path})");
        }

        try
        {
            var key = element["certificateKey"];
            if (key is not null || path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".crt", StringComparison.OrdinalIgnoreCase))
            {
                var keyPath = Path.GetFullPath(Path.Combine(baseDirectory, key ?? certificate));
                var password = element["certificatePassword"];
                using var pem = password is null
                    ? X509Certificate2.CreateFromPemFile(path, keyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);

                // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
                return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }

            return X509CertificateLoader.LoadPkcs12FromFile(path, element["certificatePassword"]);
        }
        catch (CryptographicException ex)
        {
            throw new FrontDoorConfigurationException($"{where} certificate=\"{certificate}\": cannot be loaded: {ex.Message}", ex);
        }
    }

    private static List<IPNetwork> ParseNetworks(string? value, string where)
    {
        var networks = new List<IPNetwork>();
        foreach (var item in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPNetwork.TryParse(item, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(item, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new FrontDoorConfigurationException($"{where}=\"{value}\": \"{item}\" is not an address or network (e.g. 10.0.0.0/8)");
            }
        }

        return networks;
    }

    /// <summary>zlib's deflate window (9-15; 8 is refused for raw DEFLATE) and memory level (1-9).</summary>
    private static Protocol.Compression.DeflateSettings ReadDeflateSettings(IConfigurationSection element, string where)
    {
        var defaults = Protocol.Compression.DeflateSettings.Default;
        return defaults with
        {
            WindowBits = InRange(element, "compressWindowBits", where, 9, 15, defaults.WindowBits),
            MemoryLevel = InRange(element, "compressMemLevel", where, 1, 9, defaults.MemoryLevel),
            KeepBetweenFlushes = ConfigElements.OneOf(element, "listener", "compressDictionary", defaults.KeepBetweenFlushes ? "session" : "flush", "session", "flush") == "session",
        };
    }

    private static int InRange(IConfigurationSection element, string attribute, string where, int min, int max, int fallback)
    {
        var value = element[attribute];
        if (value is null)
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new FrontDoorConfigurationException($"{where} {attribute}=\"{value}\": expected a whole number from {min} to {max}");
    }

    private static int Count(IConfigurationSection element, string attribute, string where)
    {
        var value = element[attribute];
        if (value is null)
        {
            return 0;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : throw new FrontDoorConfigurationException($"{where} {attribute}=\"{value}\": expected a whole number");
    }
}
