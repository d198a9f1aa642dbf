using System.Globalization;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Sessions;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Core.Hosting;

/// <summary>Reads the optional &lt;limits&gt; element; every attribute has a default.</summary>
internal static class LimitsReader
{
    public static SessionLimits Read(IConfigurationSection element)
    {
        var defaults = new SessionLimits();
        if (!element.Exists())
        {
            return defaults;
        }

        return defaults with
        {
            MaxCommandLineLength = Count(element, "maxCommandLine", defaults.MaxCommandLineLength, minimum: 1024),
            MaxResponseLineLength = Count(element, "maxResponseLine", defaults.MaxResponseLineLength, minimum: 64 * 1024),
            MaxPreAuthLiteral = Count(element, "maxPreAuthLiteral", defaults.MaxPreAuthLiteral, minimum: 1024),
            PreAuthTimeout = ConfigElements.Seconds(element, "limits", "preAuthTimeout", defaults.PreAuthTimeout),
            ShutdownGrace = ConfigElements.Seconds(element, "limits", "shutdownGrace", defaults.ShutdownGrace),
            MaxFailedLogins = Count(element, "maxFailedLogins", defaults.MaxFailedLogins, minimum: 1),
            MaxConnectionsPerUser = Count(element, "maxConnectionsPerUser", defaults.MaxConnectionsPerUser, minimum: 0),
            AuthFailureDelay = ConfigElements.Seconds(element, "limits", "authFailureDelay", defaults.AuthFailureDelay),
            MaxAuthFailureDelay = ConfigElements.Seconds(element, "limits", "maxAuthFailureDelay", defaults.MaxAuthFailureDelay),
        };
    }

    private static int Count(IConfigurationSection element, string attribute, int fallback, int minimum)
    {
        var value = element[attribute];
        if (value is null)
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= minimum
            ? count
            : throw new FrontDoorConfigurationException($"<limits> {attribute}=\"{value}\": expected a whole number of at least {minimum}");
    }
}
