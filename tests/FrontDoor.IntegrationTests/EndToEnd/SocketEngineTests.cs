using FrontDoor.IntegrationTests.Servers;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Xunit;

namespace FrontDoor.IntegrationTests.EndToEnd;

/// <summary>
/// The FrontDoor executable in front of a real Dovecot, once with its sockets on FrontDoor's own epoll (the
/// Linux default) and once with <c>FRONTDOOR_SOCKET_EVENTS=0</c>, the operator's fallback to .NET's socket
/// engine: every other test runs the default, so the fallback is run here, end to end.
/// </summary>
public class SocketEngineTests
{
    [Theory]
    [InlineData(null, "Connection sockets wait on FrontDoor's own epoll")]
    [InlineData("0", "Connection sockets wait on .NET's socket engine")]
    public async Task A_session_appends_and_fetches_byte_exact_on_either_socket_engine(string? setting, string logged)
    {
        await using var dovecot = await DovecotServer.StartAsync(DovecotPairFixture.Users);
        var environment = setting is null ? null : new Dictionary<string, string> { ["FRONTDOOR_SOCKET_EVENTS"] = setting };
        await using var node = await FrontDoorProcess.StartAsync(
            "",
            $"""<backends><backend name="d" endpoint="127.0.0.1:{dovecot.Port}" /></backends><routing default="d" />""",
            environment);
        Assert.Contains(logged, node.Output, StringComparison.Ordinal);

        using var client = new ImapClient();
        await client.ConnectAsync(node.EndPoint.Address.ToString(), node.EndPoint.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync("bob", DovecotPairFixture.Users["bob"]);
        var folder = await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync($"Engine{setting ?? "own"}", true)
            ?? throw new InvalidOperationException("the folder was not created");
        var raw = Mail.Message("engine", 3 * 1024 * 1024, seed: 7);
        var uid = await folder.AppendAsync(Mail.Parse(raw), MessageFlags.Seen);
        Assert.NotNull(uid);

        await folder.OpenAsync(FolderAccess.ReadOnly);
        using (var stream = await folder.GetStreamAsync(uid!.Value, string.Empty))
        {
            Assert.Equal(Mail.Sha256(raw), Mail.Sha256(stream));
        }

        for (var i = 0; i < 20; i++)
        {
            await client.NoOpAsync();
        }

        await client.DisconnectAsync(quit: true);
    }
}
