using System.Buffers;
using System.Net.Security;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Hosting;

namespace FrontDoor.Core.Sessions;

/// <summary>What a session knows of the listener it came in on; the TLS context is built once per listener.</summary>
internal sealed class ListenerContext
{
    private static readonly string[] BaseCapabilities = ["IMAP4rev1", "SASL-IR", "LOGIN-REFERRALS", "ID", "LITERAL+"];

    public ListenerContext(ListenerOptions options, Backends.TokenIntrospection? introspection = null)
    {
        Options = options;
        Introspection = introspection;
        PreAuthCapabilities = [.. BaseCapabilities, .. options.SaslMechanisms.Select(m => "AUTH=" + m)];
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

    /// <summary>The listener's own check of OAuth tokens (oauthIntrospection), if it has one.</summary>
    public Backends.TokenIntrospection? Introspection { get; }

    /// <summary>What FrontDoor offers before login, its AUTH= mechanisms as the listener's saslMechanisms say.</summary>
    public string[] PreAuthCapabilities { get; }

    /// <summary>True on a STARTTLS listener: STARTTLS is offered until TLS runs.</summary>
    public bool OffersStartTls => Options.Tls == ListenerTls.StartTls;

    // The last greeting written: filters run for every connection, but nearly always give the same list,
    // and the line is then the same bytes, shared (bench/README.md, garbage per login).
    private GreetingLine? _greeting;

    /// <summary>RFC 9051 section 7.1.1: the untagged OK greeting with <paramref name="capabilities"/>, as bytes to send; the list is not kept.</summary>
    public ReadOnlyMemory<byte> Greeting(CapabilitySet capabilities)
    {
        var last = Volatile.Read(ref _greeting);
        if (last is not null && last.Capabilities.SameTokens(capabilities))
        {
            return last.Bytes;
        }

        var writer = new ArrayBufferWriter<byte>(256);
        writer.Write("* OK [CAPABILITY "u8);
        capabilities.WriteTo(writer);
        writer.Write("] FrontDoor IMAP proxy ready\r\n"u8);
        // A copy: the caller's list is reused (ScratchCapabilities).
        var line = new GreetingLine(capabilities.Clone(), writer.WrittenSpan.ToArray());
        Volatile.Write(ref _greeting, line);
        return line.Bytes;
    }

    private sealed record GreetingLine(CapabilitySet Capabilities, byte[] Bytes);
}
