using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// The capability list FrontDoor fills, filters and shows at once (the greeting, a pre-auth CAPABILITY, the
/// login OK's code), one per thread and reused: a new list per login was a few hundred bytes of garbage
/// (bench/README.md, garbage per login). Filters see it only during their call (<see cref="ICapabilityFilter"/>).
/// </summary>
internal static class ScratchCapabilities
{
    [ThreadStatic]
    private static CapabilitySet? _spare;

    /// <summary>An empty list, the caller's until <see cref="Return"/>; held across awaits it is simply not on any thread.</summary>
    public static CapabilitySet Rent()
    {
        var set = _spare ?? new CapabilitySet();
        _spare = null;
        return set;
    }

    /// <summary>Gives the list back once nothing refers to it; a list not given back (a filter threw) is only garbage.</summary>
    public static void Return(CapabilitySet set) => _spare = set;
}
