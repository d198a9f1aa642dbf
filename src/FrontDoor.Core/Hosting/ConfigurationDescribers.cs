using FrontDoor.Core.Hooks;
using Microsoft.Extensions.DependencyInjection;

namespace FrontDoor.Core.Hosting;

/// <summary>Finds every plugin service that can describe its configuration (<see cref="IDescribeConfiguration"/>).</summary>
internal static class ConfigurationDescribers
{
    /// <summary>
    /// Services registered as <see cref="IDescribeConfiguration"/>, and every hook (router, capability filter,
    /// command rewriter) that also implements it; each once, in registration order.
    /// </summary>
    public static IReadOnlyList<IDescribeConfiguration> From(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var candidates = services.GetServices<IDescribeConfiguration>()
            .Concat(services.GetServices<IBackendRouter>().OfType<IDescribeConfiguration>())
            .Concat(services.GetServices<ICapabilityFilter>().OfType<IDescribeConfiguration>())
            .Concat(services.GetServices<ICommandRewriter>().OfType<IDescribeConfiguration>());
        var result = new List<IDescribeConfiguration>();
        foreach (var candidate in candidates)
        {
            if (!result.Exists(d => ReferenceEquals(d, candidate)))
            {
                result.Add(candidate);
            }
        }

        return result;
    }
}
