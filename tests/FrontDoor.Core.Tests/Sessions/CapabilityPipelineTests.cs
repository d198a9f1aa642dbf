using FrontDoor.Core.Hooks;
using FrontDoor.Core.Sessions;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>
/// <see cref="CapabilityPipeline"/>: each filter's <see cref="ICapabilityFilter.Filters"/> is asked once per
/// list, only wanting filters edit it, and the context is made only when one of them wants the stage.
/// </summary>
public class CapabilityPipelineTests
{
    /// <summary>Counts the questions and the calls; adds its own token when called.</summary>
    private sealed class CountingFilter(string token, bool wants, int order = 0) : ICapabilityFilter
    {
        public int Asked { get; private set; }

        public int Called { get; private set; }

        public int Order => order;

        public bool Filters(CapabilityStage stage)
        {
            Asked++;
            return wants;
        }

        public void Filter(CapabilitySet capabilities, CapabilityContext context)
        {
            Called++;
            capabilities.Add(token);
        }
    }

    [Fact]
    public void Each_filter_is_asked_once_and_only_wanting_filters_edit_the_list_in_order()
    {
        var late = new CountingFilter("X-LATE", wants: true, order: 2);
        var skipped = new CountingFilter("X-SKIPPED", wants: false, order: 1);
        var early = new CountingFilter("X-EARLY", wants: true, order: 0);
        var pipeline = new CapabilityPipeline([late, skipped, early]);
        var contexts = 0;

        var shown = pipeline.ApplyInPlace(new CapabilitySet(["IMAP4rev1"]), CapabilityStage.Greeting, "imap", listener =>
        {
            contexts++;
            return new CapabilityContext(CapabilityStage.Greeting, null, null) { Listener = listener };
        });

        Assert.Equal(["IMAP4rev1", "X-EARLY", "X-LATE"], shown);
        Assert.Equal([1, 1, 1], new[] { early.Asked, skipped.Asked, late.Asked });
        Assert.Equal([1, 0, 1], new[] { early.Called, skipped.Called, late.Called });
        Assert.Equal(1, contexts);
    }

    [Fact]
    public void A_list_no_filter_wants_goes_out_unchanged_without_a_context()
    {
        var filter = new CountingFilter("X-NEVER", wants: false);
        var pipeline = new CapabilityPipeline([filter]);

        var shown = pipeline.ApplyInPlace(new CapabilitySet(["IMAP4rev1"]), CapabilityStage.PreAuth, 0, _ => throw new InvalidOperationException("no context is needed"));

        Assert.Equal(["IMAP4rev1"], shown);
        Assert.Equal(1, filter.Asked);
    }

    [Fact]
    public void A_filter_that_throws_when_asked_is_named_as_the_failure()
    {
        var pipeline = new CapabilityPipeline([new ThrowingFilter()]);

        var failure = Assert.Throws<HookFailureException>(() => pipeline.ApplyInPlace(new CapabilitySet(), CapabilityStage.Greeting, 0, _ => new CapabilityContext(CapabilityStage.Greeting, null, null)));

        Assert.Contains("InvalidOperationException", failure.Message, StringComparison.Ordinal);
    }

    private sealed class ThrowingFilter : ICapabilityFilter
    {
        public bool Filters(CapabilityStage stage) => throw new InvalidOperationException("broken");

        public void Filter(CapabilitySet capabilities, CapabilityContext context)
        {
        }
    }
}
