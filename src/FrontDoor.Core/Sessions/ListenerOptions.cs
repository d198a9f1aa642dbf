using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace FrontDoor.Core.Sessions;

internal enum ListenerTls
{
    None,
    StartTls,
    Implicit,
}

/// <summary>A validated &lt;listener&gt; element.</summary>
internal sealed record ListenerOptions(string Name, IPEndPoint Endpoint, ListenerTls Tls)
{
    /// <summary>The server certificate (with its key) for TLS; null when <see cref="Tls"/> is None.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>On a STARTTLS listener: allow LOGIN/AUTHENTICATE before STARTTLS (default false: LOGINDISABLED).</summary>
    public bool AllowPlaintextAuth { get; init; }

    /// <summary>Expect a PROXY v1/v2 header from peers in <see cref="TrustedProxies"/>.</summary>
    public bool ProxyProtocol { get; init; }

    public IReadOnlyList<IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>Offer COMPRESS=DEFLATE (RFC 4978) after login (default true).</summary>
    public bool Compress { get; init; } = true;

    /// <summary>How FrontDoor deflates for this listener's compressed sessions (window and memory level).</summary>
    public Protocol.Compression.DeflateSettings CompressSettings { get; init; } = Protocol.Compression.DeflateSettings.Default;

    /// <summary>Open connections on this listener at most; 0 for no cap.</summary>
    public int MaxConnections { get; init; }

    /// <summary>Open connections from one client address at most; 0 for no cap.</summary>
    public int MaxConnectionsPerAddress { get; init; }

    /// <summary>The SASL mechanisms offered before login (AUTH=), upper case, in the order written.</summary>
    public IReadOnlyList<string> SaslMechanisms { get; init; } = Protocol.Sasl.SaslMechanisms.Default;

    /// <summary>RFC 7662 introspection of OAuth tokens before any backend is asked; null: the backend alone checks them.</summary>
    public Backends.IntrospectionOptions? OAuthIntrospection { get; init; }
}
