using System.Net.Security;
using FrontDoor.Core.Hosting;

namespace FrontDoor.Core.Sessions;

/// <summary>What a session knows of the listener it came in on; the TLS context is built once per listener.</summary>
internal sealed class ListenerContext
{
    public ListenerContext(ListenerOptions options)
    {
        Options = options;
        Compression = options.Compress && Protocol.Compression.ZLibNative.IsAvailable ? options.CompressSettings : null;
        if (options.Certificate is { } certificate)
        {
            var context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null);
            TlsOptions = new SslServerAuthenticationOptions { ServerCertificateContext = context };
        }
    }

    public ListenerOptions Options { get; }

    /// <summary>RFC 4978 COMPRESS=DEFLATE for this listener's clients after login; null when off (or no zlib).</summary>
    public Protocol.Compression.DeflateSettings? Compression { get; }

    public string Name => Options.Name;

    public SslServerAuthenticationOptions? TlsOptions { get; }

    /// <summary>True on a STARTTLS listener: STARTTLS is offered until TLS runs.</summary>
    public bool OffersStartTls => Options.Tls == ListenerTls.StartTls;
}
