using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.IntegrationTests.LegacyBackend;

/// <summary>
/// A real legacy backend (Courier-IMAP, no LITERAL+) and a real Dovecot behind a wiretap, with FrontDoor in
/// front: "alice" goes to Courier (auto, so synchronized), "carol" to Courier with LITERAL+ still offered to
/// the client, "dave" to Dovecot with literalPlus="synchronize".
/// </summary>
public sealed class LegacyFixture : IAsyncLifetime
{
    public static readonly IReadOnlyDictionary<string, string> Users = new Dictionary<string, string>
    {
        ["alice"] = "alice-pw",
        ["carol"] = "carol-pw",
        ["dave"] = "dave-pw",
    };

    public CourierServer Courier { get; private set; } = null!;

    public DovecotServer Dovecot { get; private set; } = null!;

    internal RecordingTap DovecotTap { get; private set; } = null!;

    internal TestFrontDoor FrontDoor { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Courier = await CourierServer.StartAsync(Users);
        Dovecot = await DovecotServer.StartAsync(Users);
        DovecotTap = RecordingTap.Start(Dovecot.Host, Dovecot.Port);
        FrontDoor = await TestFrontDoor.StartAsync($"""
            <backends>
              <backend name="courier" endpoint="127.0.0.1:{Courier.Port}" />
              <backend name="courier-advertised" endpoint="127.0.0.1:{Courier.Port}" advertiseLiteralPlus="true" />
              <backend name="dovecot-sync" endpoint="127.0.0.1:{DovecotTap.Port}" literalPlus="synchronize" />
            </backends>
            <routing default="courier">
              <route user="carol" backend="courier-advertised" />
              <route user="dave" backend="dovecot-sync" />
            </routing>
            """);
    }

    public async Task DisposeAsync()
    {
        await FrontDoor.DisposeAsync();
        await DovecotTap.DisposeAsync();
        await Dovecot.DisposeAsync();
        await Courier.DisposeAsync();
    }
}
