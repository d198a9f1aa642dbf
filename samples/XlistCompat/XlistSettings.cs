using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;

namespace FrontDoor.Samples.XlistCompat;

/// <summary>The plugin's own section: <c>&lt;XlistCompat returnSpecialUse="true" /&gt;</c> under &lt;plugins&gt;.</summary>
/// <param name="ReturnSpecialUse">
/// Ask a backend that advertises SPECIAL-USE and LIST-EXTENDED for the folder roles
/// (<c>LIST ... RETURN (SPECIAL-USE CHILDREN)</c>, RFC 6154 section 5.1), which is what an XLIST client wants
/// to learn. Default true.
/// </param>
internal sealed record XlistSettings(bool ReturnSpecialUse)
{
    public static XlistSettings Read(IConfigurationSection section) =>
        new(ConfigElements.Boolean(section["returnSpecialUse"], "<XlistCompat> returnSpecialUse", fallback: true));
}

/// <summary>The settings in force; replaced whole by a reload, read by the rewriter on any thread.</summary>
internal sealed class XlistSettingsHolder(XlistSettings initial)
{
    private volatile XlistSettings _current = initial;

    public XlistSettings Current
    {
        get => _current;
        set => _current = value;
    }
}

/// <summary>
/// The per-backend attribute <c>xlist</c>: <c>emulate</c> (default) or <c>off</c> (leave that backend's
/// sessions alone). Core keeps attributes it does not know in <see cref="BackendTarget.Attributes"/>; checking
/// them is the plugin's job, at start-up and at every reload.
/// </summary>
internal sealed class XlistBackendValidator : IBackendValidator
{
    public const string Attribute = "xlist";

    public void Validate(BackendTarget backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _ = IsOff(backend);
    }

    public static bool IsOff(BackendTarget backend)
    {
        var value = backend.Attribute(Attribute);
        if (value is null || value.Equals("emulate", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return value.Equals("off", StringComparison.OrdinalIgnoreCase)
            ? true
            : throw new FrontDoorConfigurationException($"<backend name=\"{backend.Name}\"> {Attribute}=\"{value}\": expected emulate or off");
    }

    /// <summary>True when the plugin should act for this session: the backend lacks XLIST and is not switched off.</summary>
    public static bool Emulates(SessionContext session) =>
        !session.BackendCapabilities.Contains("XLIST") && !IsOff(session.Backend);
}
