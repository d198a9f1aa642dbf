using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// <c>&lt;throttle redis="host:port" forget="600" /&gt;</c> under <c>&lt;frontDoor&gt;</c>: where the failed-login
/// counters shared by all nodes live, and how long a quiet address or user is remembered. Absent, or
/// without redis: each node counts on its own. Read at start-up only.
/// </summary>
internal sealed record ThrottleOptions(BackendEndpoint? Redis, TimeSpan Forget, TimeSpan Timeout, string Prefix)
{
    public static readonly TimeSpan DefaultForget = TimeSpan.FromMinutes(10);

    public static ThrottleOptions Read(IConfiguration configuration)
    {
        var element = configuration.GetSection("frontDoor:throttle");
        var redis = element["redis"] is { } value ? ConfigElements.ParseEndpoint(value, "<throttle> redis") : null;
        var forget = ConfigElements.Seconds(element, "throttle", "forget", DefaultForget);
        var timeout = ConfigElements.Seconds(element, "throttle", "timeout", TimeSpan.FromMilliseconds(500));
        var prefix = element["prefix"] ?? "frontdoor:fail:";
        if (prefix.Length > 100 || prefix.Any(char.IsControl))
        {
            throw new FrontDoorConfigurationException($"<throttle> prefix=\"{prefix}\": expected at most 100 printable characters");
        }

        return new ThrottleOptions(redis, forget, timeout, prefix);
    }
}
