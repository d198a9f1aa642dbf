namespace FrontDoor.Core.Hooks;

/// <summary>
/// Checks a backend's attributes that Core does not know (they are in <see cref="BackendTarget.Attributes"/>),
/// e.g. a plugin's per-backend policy. Runs at start-up, at every reload and in check-config; a
/// <see cref="FrontDoorConfigurationException"/> refuses the whole config (at a reload the last good one
/// stays), so its message is the one line an operator reads: name the element and the value.
/// Register it with <see cref="PluginContext.AddBackendValidator"/>; it runs before the container exists.
/// </summary>
public interface IBackendValidator
{
    void Validate(BackendTarget backend);
}
