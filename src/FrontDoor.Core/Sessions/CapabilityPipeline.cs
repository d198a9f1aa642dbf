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
    public CapabilitySet ApplyInPlace(CapabilitySet result, CapabilityContext context) =>
        ApplyInPlace(result, context.Stage, context, static context => context);

    /// <summary>
    /// Filters a list the caller made for the purpose and does not keep, at <paramref name="stage"/>. The
    /// context is made (by <paramref name="makeContext"/> from <paramref name="state"/>) only once a filter
    /// wants the stage (<see cref="ICapabilityFilter.Filters"/>), so a greeting no filter looks at makes none;
    /// each filter is asked once.
    /// </summary>
    public CapabilitySet ApplyInPlace<TState>(CapabilitySet result, CapabilityStage stage, TState state, Func<TState, CapabilityContext> makeContext)
    {
        CapabilityContext? context = null;
        foreach (var filter in _filters)
        {
            if (!Wants(filter, stage))
            {
                continue;
            }

            context ??= makeContext(state);
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
