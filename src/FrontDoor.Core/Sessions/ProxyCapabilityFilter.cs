using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// After login the client talks to the backend through FrontDoor, which reads every line: capabilities that
/// would change the stream under FrontDoor (STARTTLS, the backend's COMPRESS) or that only make sense before
/// login (AUTH=, SASL-IR, LOGINDISABLED) are not the client's to use. FrontDoor offers its own
/// COMPRESS=DEFLATE (RFC 4978) on listeners that allow it, and ends it itself (Relay.Compress.cs).
/// </summary>
internal sealed class ProxyCapabilityFilter : ICapabilityFilter
{
    private readonly HashSet<string> _compressingListeners;

    public ProxyCapabilityFilter(IEnumerable<ListenerOptions> listeners)
    {
        _compressingListeners = new HashSet<string>(
            listeners.Where(l => l.Compress && Protocol.Compression.ZLibNative.IsAvailable).Select(l => l.Name),
            StringComparer.OrdinalIgnoreCase);
    }

    public int Order => int.MinValue;

    public bool Filters(CapabilityStage stage) => stage == CapabilityStage.PostAuth;

    public void Filter(CapabilitySet capabilities, CapabilityContext context)
    {
        if (context.Stage != CapabilityStage.PostAuth)
        {
            return;
        }

        capabilities.Remove("STARTTLS");
        capabilities.Remove("LOGINDISABLED");
        capabilities.Remove("SASL-IR");
        capabilities.RemovePrefix("AUTH=");
        capabilities.RemovePrefix("COMPRESS=");
        if (_compressingListeners.Contains(context.Listener))
        {
            capabilities.Add(Protocol.Compression.CompressCommand.Capability);
        }
    }
}
