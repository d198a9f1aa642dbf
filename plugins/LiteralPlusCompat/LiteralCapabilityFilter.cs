using FrontDoor.Core.Hooks;

namespace FrontDoor.Plugins.LiteralPlusCompat;

/// <summary>
/// Keeps the advertised list true to what the client may send (docs/PROTOCOL.md, rule 7). Before login FrontDoor
/// reads literals itself and the rewriter converts whatever arrives after, so LITERAL+ stays on offer
/// unless DisableLiteralPlus says never.
/// </summary>
internal sealed class LiteralCapabilityFilter : ICapabilityFilter
{
    private readonly LiteralPolicy _policy;

    public LiteralCapabilityFilter(LiteralPolicy policy)
    {
        _policy = policy;
    }

    /// <summary>Before login only when LITERAL+ is disabled: FrontDoor reads pre-auth literals itself.</summary>
    public bool Filters(CapabilityStage stage) => stage == CapabilityStage.PostAuth || _policy.Settings.DisableLiteralPlus;

    public void Filter(CapabilitySet capabilities, CapabilityContext context)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        ArgumentNullException.ThrowIfNull(context);
        if (_policy.Settings.DisableLiteralPlus)
        {
            StripAll(capabilities);
            return;
        }

        if (context.Stage != CapabilityStage.PostAuth || context.Backend is null)
        {
            return;
        }

        var backend = context.Backend;
        if (LiteralPolicy.AdvertisesLiteralPlus(backend))
        {
            // LITERAL+ covers LITERAL-: offer the one the converter keeps true.
            capabilities.Remove("LITERAL-");
            capabilities.Add("LITERAL+");
            return;
        }

        switch (_policy.ModeFor(backend, context.BackendCapabilities ?? capabilities))
        {
            case LiteralMode.Synchronize:
                StripAll(capabilities);
                break;
            case LiteralMode.SynchronizeOver4096:
                capabilities.Remove("LITERAL+");
                break;
        }
    }

    /// <summary>IMAP4rev2 goes too: clients read it as LITERAL- (RFC 9051 section 4.3).</summary>
    private static void StripAll(CapabilitySet capabilities)
    {
        capabilities.Remove("LITERAL+");
        capabilities.Remove("LITERAL-");
        capabilities.Remove("IMAP4rev2");
    }
}
