using FrontDoor.Core.Hooks;

namespace FrontDoor.Samples.XlistCompat;

/// <summary>
/// Offers XLIST after login when the backend does not: a client learns that it may send XLIST only from the
/// capability list, so this is what turns the emulation on for it. Before login nothing is added, since the
/// backend (and so whether it needs emulating) is not known yet.
/// </summary>
internal sealed class XlistCapabilityFilter : ICapabilityFilter
{
    public void Filter(CapabilitySet capabilities, CapabilityContext context)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        ArgumentNullException.ThrowIfNull(context);
        if (context.Stage == CapabilityStage.PostAuth && context.Session is { } session && XlistBackendValidator.Emulates(session))
        {
            capabilities.Add("XLIST");
        }
    }
}
