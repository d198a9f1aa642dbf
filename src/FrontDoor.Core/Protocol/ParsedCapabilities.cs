using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// The parsed form of the capability lists backends send, kept by the list's bytes: a backend sends the same
/// list in its greeting and in every login's OK, so a login finds it here instead of parsing some 40
/// tokens into a new list. Sessions share the lists, read-only (a filter changes a copy).
/// </summary>
internal static class ParsedCapabilities
{
    private static readonly BytesCache<CapabilitySet> Lists = new(64, 4096, static tokens => CapabilityResponse.Parse(tokens).MakeReadOnly());

    /// <summary>The read-only list for <paramref name="tokens"/> (the space-separated tokens, as in <see cref="CapabilityResponse.TryLocate"/>).</summary>
    public static CapabilitySet Get(ReadOnlySpan<byte> tokens) => Lists.Get(tokens);
}
