using System.Net;

namespace FrontDoor.Core.Hosting;

internal enum ListenerTls
{
    None,
    StartTls,
    Implicit,
}

/// <summary>A validated &lt;listener&gt; element.</summary>
internal sealed record ListenerOptions(string Name, IPEndPoint Endpoint, ListenerTls Tls);
