using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.Plugins.LiteralPlusCompat.Tests;

/// <summary>A FrontDoor in front of a scripted FAKE legacy backend (no LITERAL+), for exact wire bytes.</summary>
internal static class LegacyWire
{
    public const string LegacyCapabilities = "IMAP4rev1 IDLE UIDPLUS";

    public static Task<TestFrontDoor> StartAsync(ScriptedBackend backend, string attributes = "", string appSettings = "") =>
        TestFrontDoor.StartAsync(
            $"<backends><backend name=\"legacy\" endpoint=\"127.0.0.1:{backend.Port}\" {attributes} /></backends><routing default=\"legacy\" />",
            appSettings);

    /// <summary>Connects and logs in; returns the client and the tagged OK line it got.</summary>
    public static async Task<(RawImapClient Client, string LoginOk)> LoginAsync(TestFrontDoor frontDoor)
    {
        var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("L1 LOGIN alice secret\r\n");
        var ok = await client.ReadLineAsync() ?? throw new EndOfStreamException("no login answer");
        Assert.StartsWith("L1 OK ", ok, StringComparison.Ordinal);
        return (client, ok);
    }
}
