using System.Globalization;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Plugins.BackendRouting;

/// <summary>Reads and validates the &lt;backend&gt; elements.</summary>
internal static class BackendReader
{
    public static IReadOnlyDictionary<string, BackendTarget> Read(IConfigurationSection backends)
    {
        var result = new Dictionary<string, BackendTarget>(StringComparer.OrdinalIgnoreCase);
        foreach (var element in ConfigElements.Of(backends.GetSection("backend")))
        {
            var name = ConfigElements.Required(element, "backend", "name");
            var where = ConfigElements.Describe("backend", element);
            var endpoints = new List<BackendEndpoint>
            {
                ConfigElements.ParseEndpoint(ConfigElements.Required(element, "backend", "endpoint"), $"{where} endpoint"),
            };
            var alternates = element["alternates"];
            if (!string.IsNullOrWhiteSpace(alternates))
            {
                foreach (var alternate in alternates.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    endpoints.Add(ConfigElements.ParseEndpoint(alternate, $"{where} alternates"));
                }
            }

            var tls = ConfigElements.OneOf(element, "backend", "tls", "none", "none", "starttls", "implicit");
            if (tls != "none")
            {
                throw new FrontDoorConfigurationException($"{where} tls=\"{tls}\": TLS to backends is not available in this build yet");
            }

            var attributes = element.GetChildren()
                .Where(c => c.Value is not null)
                .ToDictionary(c => c.Key, c => c.Value!, StringComparer.OrdinalIgnoreCase);
            if (!result.TryAdd(name, new BackendTarget
            {
                Name = name,
                Endpoints = endpoints,
                Tls = BackendTlsMode.None,
                ConnectTimeout = ConfigElements.Seconds(element, "backend", "connectTimeout", TimeSpan.FromSeconds(10)),
                LoginTimeout = ConfigElements.Seconds(element, "backend", "loginTimeout", TimeSpan.FromSeconds(30)),
                ContinuationTimeout = ConfigElements.Seconds(element, "backend", "continuationTimeout", TimeSpan.FromSeconds(60)),
                Attributes = attributes,
            }))
            {
                throw new FrontDoorConfigurationException(string.Create(CultureInfo.InvariantCulture, $"{where}: a backend with that name already exists"));
            }
        }

        if (result.Count == 0)
        {
            throw new FrontDoorConfigurationException("<backends>: no <backend> element");
        }

        return result;
    }
}
