using FrontDoor.Core.Diagnostics;
using FrontDoor.Core.Sessions;
using System.Globalization;
using System.Text;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace FrontDoor.Core.Hosting;

/// <summary>
/// <c>FrontDoor check-config PATH</c>: validates a config exactly as start-up does (the same
/// <see cref="FrontDoorHost.Configure"/>, against a throwaway service collection; nothing listens), then
/// prints what FrontDoor would run: listeners, plugins, the routing table and each backend's policy.
/// </summary>
internal static class ConfigurationCheck
{
    public const int Valid = 0;

    public const int Invalid = 2;

    /// <summary>The one line start-up and the check print for a bad config.</summary>
    public static string ErrorLine(FrontDoorConfigurationException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return $"FrontDoor: configuration error: {exception.Message}";
    }

    /// <summary>
    /// Checks the config named by <paramref name="args"/>: a path first (or none: FrontDoor.config beside
    /// the program), then any overrides start-up would take (<c>--frontDoor:routing:default legacy</c>).
    /// </summary>
    /// <returns><see cref="Valid"/>, or <see cref="Invalid"/> after one line on <paramref name="error"/>.</returns>
    /// <param name="configureHost">What the executable adds to the host (the admin endpoint), so its part of the config is checked too.</param>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, Action<IServiceCollection>? configureHost = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string[] hostArgs = args.Count > 0 && !args[0].StartsWith('-') ? ["--config", args[0], .. args.Skip(1)] : [.. args];

        var services = new ServiceCollection();
        services.AddLogging();
        FrontDoorSetup setup;
        try
        {
            setup = FrontDoorHost.Configure(hostArgs, services);
        }
        catch (FrontDoorConfigurationException ex)
        {
            error.WriteLine(ErrorLine(ex));
            return Invalid;
        }

        using (setup.Configuration as IDisposable)
        {
            services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(setup.Configuration);
            configureHost?.Invoke(services);
            try
            {
                // The plugins' hooks are built as the host builds them (a factory may still reject a value).
                using var provider = services.BuildServiceProvider();
                var descriptions = ConfigurationDescribers.From(provider).Select(d => d.Describe()).ToList();
                Write(output, setup, descriptions);
                return Valid;
            }
            catch (FrontDoorConfigurationException ex)
            {
                error.WriteLine(ErrorLine(ex));
                return Invalid;
            }
        }
    }

    private static void Write(TextWriter output, FrontDoorSetup setup, List<ConfigurationDescription> descriptions)
    {
        output.WriteLine($"{setup.ConfigPath}: valid");
        var disable = setup.Configuration["DisableLiteralPlus"];
        output.WriteLine($"appSettings DisableLiteralPlus: {disable ?? "not set (false)"}");

        output.WriteLine("listeners:");
        foreach (var listener in setup.Options.Listeners)
        {
            output.WriteLine($"  {Listener(listener)}");
        }

        output.WriteLine($"plugins from {setup.Options.PluginDirectory}:");
        if (setup.Catalog.Plugins.Count == 0)
        {
            output.WriteLine("  none");
        }

        foreach (var plugin in setup.Catalog.Plugins)
        {
            output.WriteLine($"  {plugin.Name} ({plugin.Plugin.GetType().FullName}) from {plugin.File}");
        }

        foreach (var skipped in setup.Catalog.Skipped)
        {
            output.WriteLine($"  {skipped}");
        }

        output.WriteLine(setup.Metrics.ScrapeUrl is { } url
            ? $"metrics: Prometheus endpoint {url} (listening on {setup.Metrics.Prometheus})"
            : "metrics: no Prometheus endpoint (<metrics prometheus=\"...\" /> not set)");
        var throttle = ThrottleOptions.Read(setup.Configuration);
        output.WriteLine(throttle.Redis is { } redis
            ? $"throttle: failed logins counted in Redis at {redis.Host}:{redis.Port} for all nodes, per node while it does not answer"
            : "throttle: failed logins counted per node (<throttle redis=\"...\" /> not set)");

        foreach (var description in descriptions)
        {
            if (description.Routing is { } routing)
            {
                WriteRouting(output, description.Source, routing);
            }
        }

        output.WriteLine("backends (by name):");
        foreach (var backend in setup.Backends.Backends.Values)
        {
            WriteBackend(output, backend);
        }

        foreach (var pool in setup.Backends.Pools.Values)
        {
            output.WriteLine($"  pool {pool.Name}: {string.Join(" ", pool.Members)} (rendezvous hashing among the healthy members)");
        }

        foreach (var description in descriptions.Where(d => d.Lines.Count > 0))
        {
            output.WriteLine($"{description.Source}:");
            foreach (var line in description.Lines)
            {
                output.WriteLine($"  {line}");
            }
        }
    }

    private static string Listener(ListenerOptions listener)
    {
        var text = new StringBuilder($"{listener.Name} on {listener.Endpoint}, tls {listener.Tls.ToString().ToLowerInvariant()}");
        if (listener.Certificate is { } certificate)
        {
            text.Append(CultureInfo.InvariantCulture, $" (certificate {certificate.Subject}, expires {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd})");
        }

        if (listener.Tls == ListenerTls.StartTls && listener.AllowPlaintextAuth)
        {
            text.Append(", plaintext login allowed before STARTTLS");
        }

        if (listener.ProxyProtocol)
        {
            text.Append(CultureInfo.InvariantCulture, $", PROXY protocol from {string.Join(" ", listener.TrustedProxies)}");
        }

        if (listener.MaxConnections > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", maxConnections {listener.MaxConnections}");
        }

        if (listener.MaxConnectionsPerAddress > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", maxConnectionsPerAddress {listener.MaxConnectionsPerAddress}");
        }

        if (!listener.SaslMechanisms.SequenceEqual(Protocol.Sasl.SaslMechanisms.Default))
        {
            text.Append(CultureInfo.InvariantCulture, $", SASL {(listener.SaslMechanisms.Count == 0 ? "none" : string.Join(" ", listener.SaslMechanisms))}");
        }

        if (listener.OAuthIntrospection is { } introspection)
        {
            text.Append(CultureInfo.InvariantCulture, $", tokens checked at {introspection.Endpoint}");
        }

        return text.ToString();
    }

    private static void WriteRouting(TextWriter output, string source, RoutingDescription routing)
    {
        output.WriteLine($"routing ({source}), first match wins:");
        var number = 0;
        foreach (var route in routing.Routes)
        {
            number++;
            var target = route.Referral is { } referral ? $"referral {referral}" : $"backend {route.Backend}";
            output.WriteLine($"  {number}. {route.Kind} {route.Value} -> {target}");
        }

        output.WriteLine(routing.DefaultBackend is { } fallback
            ? $"  default -> backend {fallback}"
            : "  default: none (users no route matches are refused)");
    }

    private static void WriteBackend(TextWriter output, BackendTarget backend)
    {
        output.WriteLine($"  {backend.Name}");
        output.WriteLine($"    endpoints: {string.Join(", ", backend.Endpoints)}");
        output.WriteLine($"    tls: {Tls(backend)}");
        output.WriteLine(
            $"    timeouts: connect {Seconds(backend.ConnectTimeout)}, login {Seconds(backend.LoginTimeout)}, " +
            $"continuation {Seconds(backend.ContinuationTimeout)}, idle {Seconds(backend.IdleTimeout)}");
        output.WriteLine($"    maxSessions: {(backend.MaxSessions == 0 ? "0 (no cap)" : backend.MaxSessions.ToString(CultureInfo.InvariantCulture))}");
        output.WriteLine($"    maxLiteralSize: {(backend.MaxLiteralSize is { } max ? max.ToString(CultureInfo.InvariantCulture) : "not set (the backend's APPENDLIMIT, if any)")}");
        output.WriteLine($"    forwardClientAddress: {backend.ForwardClientAddress.ToString().ToLowerInvariant()}");
        output.WriteLine($"    breaker: opens after {backend.BreakerFailures} failures for {Seconds(backend.BreakDuration)}");
        output.WriteLine($"    literalPlus: {AsWritten(backend, "literalPlus")}; advertiseLiteralPlus: {AsWritten(backend, "advertiseLiteralPlus")}");
    }

    private static string Tls(BackendTarget backend)
    {
        if (backend.Tls == BackendTlsMode.None)
        {
            return "none";
        }

        var validation = backend.TlsValidation;
        var mode = validation switch
        {
            { InsecureSkipVerify: true } => "NOT VALIDATED (insecureSkipVerify)",
            { PinSha256: { } pin } => $"public key pin sha256:{pin}",
            { CaFile: { } caFile } => $"CA file {caFile}",
            _ => "system trust store",
        };
        var serverName = validation.ServerName is { } name ? $", server name {name}" : string.Empty;
        return $"{backend.Tls.ToString().ToLowerInvariant()}, validation: {mode}{serverName}";
    }

    private static string AsWritten(BackendTarget backend, string attribute) =>
        backend.Attribute(attribute) is { } value ? $"\"{value}\"" : "not set";

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
