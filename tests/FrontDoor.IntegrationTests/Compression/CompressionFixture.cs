using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace FrontDoor.IntegrationTests.Compression;

/// <summary>
/// FrontDoor with COMPRESS=DEFLATE on (its default) in front of a real Dovecot that offers COMPRESS itself
/// (imap_zlib) and a real Courier-IMAP (legacy, no LITERAL+): "bob" reaches Dovecot over a plain leg, "dave"
/// over a compressed leg (compressBackend), "alice" goes to Courier with her {N+} synchronized.
/// </summary>
public sealed class CompressionFixture : IAsyncLifetime
{
    public static readonly IReadOnlyDictionary<string, string> Users = new Dictionary<string, string>
    {
        ["alice"] = "alice-pw",
        ["bob"] = "bob-pw",
        ["dave"] = "dave-pw",
    };

    public DovecotServer Dovecot { get; private set; } = null!;

    public CourierServer Courier { get; private set; } = null!;

    internal TestFrontDoor FrontDoor { get; private set; } = null!;

    internal CapturingLoggerProvider Log { get; } = new();

    public async Task InitializeAsync()
    {
        Dovecot = await DovecotServer.StartAsync(Users, "protocol imap {\n  mail_plugins = $mail_plugins imap_zlib\n}\n");
        Courier = await CourierServer.StartAsync(Users);
        FrontDoor = await TestFrontDoor.StartWithListenerAsync(
            """<listener name="imap" endpoint="127.0.0.1:0" tls="none" />""",
            $"""
            <backends>
              <backend name="dovecot" endpoint="127.0.0.1:{Dovecot.Port}" />
              <backend name="dovecot-compressed" endpoint="127.0.0.1:{Dovecot.Port}" compressBackend="true" />
              <backend name="courier" endpoint="127.0.0.1:{Courier.Port}" />
            </backends>
            <routing default="dovecot">
              <route user="dave" backend="dovecot-compressed" />
              <route user="alice" backend="courier" />
            </routing>
            """,
            services => services.AddSingleton<ILoggerProvider>(Log),
            "--Logging:LogLevel:Default", "Debug");
    }

    public async Task DisposeAsync()
    {
        await FrontDoor.DisposeAsync();
        await Courier.DisposeAsync();
        await Dovecot.DisposeAsync();
    }
}
