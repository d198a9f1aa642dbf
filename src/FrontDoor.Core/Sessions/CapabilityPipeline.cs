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

    /// <summary>Whether a filter wants lists shown at <paramref name="stage"/> (<see cref="ICapabilityFilter.Filters"/>); when none does, there is no context to make.</summary>
    public bool AnyFor(CapabilityStage stage)
    {
        foreach (var filter in _filters)
        {
            if (Wants(filter, stage))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Filters a list the caller made for the purpose and does not keep: no copy first.</summary>
    public CapabilitySet ApplyInPlace(CapabilitySet result, CapabilityContext context)
    {
        foreach (var filter in _filters)
        {
            if (!Wants(filter, context.Stage))
            {
                continue;
            }

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

    /// <summary>A filter's <see cref="ICapabilityFilter.Filters"/>; one that throws is the plugin's failure, as in <see cref="ICapabilityFilter.Filter"/>.</summary>
    private static bool Wants(ICapabilityFilter filter, CapabilityStage stage)
    {
        try
        {
            return filter.Filters(stage);
        }
        catch (Exception ex)
        {
            throw new HookFailureException(filter, $"{ex.GetType().Name}: {ex.Message}", ex);
        }
    }
}
