using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// After login the client talks to the backend through FrontDoor, which reads every line: capabilities that
/// would change the stream under FrontDoor (STARTTLS, COMPRESS) or that only make sense before login
/// (AUTH=, SASL-IR, LOGINDISABLED) are not the client's to use. FrontDoor offers its own COMPRESS=DEFLATE
/// afterwards (Relay.OfferCompression), which it ends itself.
/// </summary>
internal sealed class ProxyCapabilityFilter : ICapabilityFilter
{
    public int Order => int.MinValue;

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
    }
}
