using System.Globalization;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Core.Hosting;

/// <summary>
/// Reads and validates &lt;backends&gt;: the &lt;backend&gt; elements Core connects to and the &lt;pool&gt; elements
/// over them, then every plugin's <see cref="IBackendValidator"/>. Start-up, reload and check-config all
/// come through here, so they accept and refuse exactly the same values.
/// </summary>
internal static class BackendsReader
{
    public static BackendCatalog Read(IConfigurationSection backends, IReadOnlyList<IBackendValidator> validators)
    {
        var result = new Dictionary<string, BackendTarget>(StringComparer.OrdinalIgnoreCase);
        foreach (var element in ConfigElements.Of(backends.GetSection("backend")))
        {
            var backend = ReadOne(element);
            if (!result.TryAdd(backend.Name, backend))
            {
                throw new FrontDoorConfigurationException($"{ConfigElements.Describe("backend", element)}: a backend with that name already exists");
            }
        }

        if (result.Count == 0)
        {
            throw new FrontDoorConfigurationException("<backends>: no <backend> element");
        }

        var pools = new Dictionary<string, BackendPool>(StringComparer.OrdinalIgnoreCase);
        foreach (var element in ConfigElements.Of(backends.GetSection("pool")))
        {
            var pool = ReadPool(element, result);
            if (result.ContainsKey(pool.Name) || !pools.TryAdd(pool.Name, pool))
            {
                throw new FrontDoorConfigurationException($"{ConfigElements.Describe("pool", element)}: a backend or pool with that name already exists");
            }
        }

        foreach (var validator in validators)
        {
            foreach (var backend in result.Values)
            {
                validator.Validate(backend);
            }
        }

        return new BackendCatalog(result, pools);
    }

    private static BackendPool ReadPool(IConfigurationSection element, Dictionary<string, BackendTarget> backends)
    {
        var name = ConfigElements.Required(element, "pool", "name");
        var where = ConfigElements.Describe("pool", element);
        var members = ConfigElements.Required(element, "pool", "members")
            .Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var member in members)
        {
            if (!backends.ContainsKey(member))
            {
                throw new FrontDoorConfigurationException($"{where} members=\"{element["members"]}\": no <backend> is named {member}");
            }

            if (!seen.Add(member))
            {
                throw new FrontDoorConfigurationException($"{where} members=\"{element["members"]}\": {member} is named twice");
            }
        }

        return new BackendPool(name, [.. members.Select(m => backends[m].Name)]);
    }

    private static BackendTarget ReadOne(IConfigurationSection element)
    {
        var name = ConfigElements.Required(element, "backend", "name");
        var where = ConfigElements.Describe("backend", element);
        var endpoints = new List<BackendEndpoint>
        {
            ConfigElements.ParseEndpoint(ConfigElements.Required(element, "backend", "endpoint"), $"{where} endpoint"),
        };
        foreach (var alternate in (element["alternates"] ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            endpoints.Add(ConfigElements.ParseEndpoint(alternate, $"{where} alternates"));
        }

        var tls = ConfigElements.OneOf(element, "backend", "tls", "none", "none", "starttls", "implicit") switch
        {
            "starttls" => BackendTlsMode.StartTls,
            "implicit" => BackendTlsMode.Implicit,
            _ => BackendTlsMode.None,
        };

        var idle = ConfigElements.Seconds(element, "backend", "idleTimeout", TimeSpan.FromMinutes(30));
        if (idle < TimeSpan.FromMinutes(30))
        {
            // RFC 9051 section 5.4: an autologout timer after login must be at least 30 minutes.
            throw new FrontDoorConfigurationException($"{where} idleTimeout=\"{element["idleTimeout"]}\": must be at least 1800 seconds (RFC 9051)");
        }

        return new BackendTarget
        {
            Name = name,
            Endpoints = endpoints,
            Tls = tls,
            TlsValidation = ReadValidation(element, where),
            ConnectTimeout = ConfigElements.Seconds(element, "backend", "connectTimeout", TimeSpan.FromSeconds(10)),
            LoginTimeout = ConfigElements.Seconds(element, "backend", "loginTimeout", TimeSpan.FromSeconds(30)),
            ContinuationTimeout = ConfigElements.Seconds(element, "backend", "continuationTimeout", TimeSpan.FromSeconds(60)),
            IdleTimeout = idle,
            BreakDuration = ConfigElements.Seconds(element, "backend", "breakDuration", TimeSpan.FromSeconds(30)),
            BreakerFailures = Count(element, "breakerFailures", 5, where),
            MaxSessions = Count(element, "maxSessions", 0, where),
            MaxLiteralSize = element["maxLiteralSize"] is null ? null : Count(element, "maxLiteralSize", 0, where),
            CompressBackend = ConfigElements.Boolean(element["compressBackend"], $"{where} compressBackend", fallback: false),
            ForwardClientAddress = ConfigElements.OneOf(element, "backend", "forwardClientAddress", "none", "none", "id", "proxy") switch
            {
                "id" => ClientAddressForwarding.Id,
                "proxy" => ClientAddressForwarding.Proxy,
                _ => ClientAddressForwarding.None,
            },
            Attributes = element.GetChildren()
                .Where(c => c.Value is not null)
                .ToDictionary(c => c.Key, c => c.Value!, StringComparer.OrdinalIgnoreCase),
        };
    }

    private static BackendTlsValidation ReadValidation(IConfigurationSection element, string where)
    {
        var pin = element["pin"];
        if (pin is not null)
        {
            const string prefix = "sha256:";
            var base64 = pin.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? pin[prefix.Length..] : null;
            if (base64 is null || !IsSha256Base64(base64))
            {
                throw new FrontDoorConfigurationException($"{where} pin=\"{pin}\": expected sha256:BASE64 of the certificate's public key (44 characters)");
            }

            pin = base64;
        }

        var caFile = element["caFile"];
        if (caFile is not null)
        {
            caFile = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, caFile));
            if (!File.Exists(caFile))
            {
                throw new FrontDoorConfigurationException($"{where} caFile=\"{element["caFile"]}\": file not found ({caFile})");
            }
        }

        return new BackendTlsValidation
        {
            CaFile = caFile,
            PinSha256 = pin,
            InsecureSkipVerify = ConfigElements.Boolean(element["insecureSkipVerify"], $"{where} insecureSkipVerify", fallback: false),
            ServerName = element["serverName"],
        };
    }

    private static bool IsSha256Base64(string value)
    {
        Span<byte> hash = stackalloc byte[33];
        return Convert.TryFromBase64String(value, hash, out var written) && written == 32;
    }

    private static int Count(IConfigurationSection element, string attribute, int fallback, string where)
    {
        var value = element[attribute];
        if (value is null)
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 0
            ? count
            : throw new FrontDoorConfigurationException($"{where} {attribute}=\"{value}\": expected a whole number");
    }
}
