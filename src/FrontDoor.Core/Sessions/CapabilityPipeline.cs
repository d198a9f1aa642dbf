using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// Every <see cref="ICapabilityFilter"/>, ordered once at start-up. A filter that throws is the plugin's
/// failure (<see cref="HookFailureException"/> names it), wherever the list was being built.
/// </summary>
internal sealed class CapabilityPipeline
{
    private readonly ICapabilityFilter[] _filters;

    public CapabilityPipeline(IEnumerable<ICapabilityFilter> filters)
    {
        // OrderBy is stable: equal orders keep registration order.
        _filters = [.. filters.OrderBy(f => f.Order)];
    }

    public CapabilitySet Apply(CapabilitySet capabilities, CapabilityContext context) => ApplyInPlace(capabilities.Clone(), context);

    /// <summary>Filters a list the caller made for the purpose and does not keep: no copy first.</summary>
    public CapabilitySet ApplyInPlace(CapabilitySet result, CapabilityContext context)
    {
        foreach (var filter in _filters)
        {
            try
            {
                filter.Filter(result, context);
            }
            catch (Exception ex)
            {
                throw new HookFailureException(filter, $"{ex.GetType().Name}: {ex.Message}", ex);
            }
        }

        return result;
    }
}
