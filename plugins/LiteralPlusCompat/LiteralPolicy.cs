using FrontDoor.Core.Hooks;

namespace FrontDoor.Plugins.LiteralPlusCompat;

/// <summary>How a backend takes the client's non-synchronizing literals.</summary>
internal enum LiteralMode
{
    /// <summary>The backend takes <c>{N+}</c> of any size (it advertises LITERAL+, or the operator says so).</summary>
    Passthrough,

    /// <summary>The backend takes <c>{N+}</c> up to 4096 octets only (LITERAL-, IMAP4rev2; RFC 7888 section 5).</summary>
    SynchronizeOver4096,

    /// <summary>Every <c>{N+}</c> is sent as <c>{N}</c> and waits for the backend's <c>+</c>.</summary>
    Synchronize,
}

/// <summary>
/// The one place that decides, per backend, what is converted and what is advertised. Shared by the
/// capability filter and the rewriter so the two never disagree.
/// </summary>
internal sealed class LiteralPolicy
{
    /// <summary>RFC 7888 section 5: LITERAL- allows non-synchronizing literals of at most 4096 octets.</summary>
    public const long LiteralMinusLimit = 4096;

    private volatile LiteralPlusSettings _settings;

    public LiteralPolicy(LiteralPlusSettings settings)
    {
        _settings = settings;
    }

    /// <summary>The settings in force; a reload that every plugin accepted replaces them.</summary>
    public LiteralPlusSettings Settings
    {
        get => _settings;
        set => _settings = value;
    }

    public LiteralMode ModeFor(BackendTarget backend, CapabilitySet backendCapabilities)
    {
        if (Settings.DisableLiteralPlus)
        {
            return LiteralMode.Synchronize;
        }

        var setting = backend.Attribute(LiteralPlusSettings.PolicyAttribute) ?? "auto";
        if (setting.Equals("passthrough", StringComparison.OrdinalIgnoreCase))
        {
            return LiteralMode.Passthrough;
        }

        if (setting.Equals("synchronize", StringComparison.OrdinalIgnoreCase))
        {
            return LiteralMode.Synchronize;
        }

        // auto: believe the backend's live list.
        if (backendCapabilities.Contains("LITERAL+"))
        {
            return LiteralMode.Passthrough;
        }

        return backendCapabilities.Contains("LITERAL-") || backendCapabilities.Contains("IMAP4rev2")
            ? LiteralMode.SynchronizeOver4096
            : LiteralMode.Synchronize;
    }

    /// <summary>advertiseLiteralPlus="true": clients keep LITERAL+ and FrontDoor synchronizes for them.</summary>
    public static bool AdvertisesLiteralPlus(BackendTarget backend) =>
        bool.TryParse(backend.Attribute(LiteralPlusSettings.AdvertiseAttribute), out var advertise) && advertise;

    public static bool Synchronizes(LiteralMode mode, long length) => mode switch
    {
        LiteralMode.Synchronize => true,
        LiteralMode.SynchronizeOver4096 => length > LiteralMinusLimit,
        _ => false,
    };
}
