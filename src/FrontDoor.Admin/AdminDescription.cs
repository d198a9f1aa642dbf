using FrontDoor.Core.Hooks;

namespace FrontDoor.Admin;

/// <summary>What <c>check-config</c> prints about &lt;admin&gt; (reading it is what checks it).</summary>
internal sealed class AdminDescription(AdminOptions? options) : IDescribeConfiguration
{
    public ConfigurationDescription Describe() => new()
    {
        Source = "admin",
        Lines = options is null
            ? ["no admin endpoint (no <admin> element)"]
            : [$"admin endpoint {options.LocalUri()} (listening on {options.Endpoint}), bearer token from tokenFile, anonymous read {(options.AnonymousRead ? "on" : "off")}"],
    };
}
