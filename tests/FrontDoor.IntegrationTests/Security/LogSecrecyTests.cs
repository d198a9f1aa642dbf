using System.Text;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace FrontDoor.IntegrationTests.Security;

/// <summary>Credentials and message bodies never appear in FrontDoor's logs, at the most verbose level.</summary>
public class LogSecrecyTests
{
    private const string Password = "Pa55-unique-7f3a91";
    private const string BodyMarker = "BODY-MARKER-0c4e2b";

    [Fact]
    public async Task A_full_session_at_trace_level_logs_neither_password_nor_body()
    {
        await using var dovecot = await DovecotServer.StartAsync(new Dictionary<string, string> { ["bob"] = Password });
        var capture = new CapturingLoggerProvider();
        await using (var frontDoor = await TestFrontDoor.StartAsync(
            $"""<backends><backend name="d" endpoint="127.0.0.1:{dovecot.Port}" literalPlus="synchronize" /></backends><routing default="d" />""",
            string.Empty,
            services => services.AddSingleton<ILoggerProvider>(capture),
            "--Logging:LogLevel:Default", "Trace"))
        {
            // A failed login, a LOGIN with a literal password, AUTHENTICATE PLAIN, APPEND, FETCH.
            await using (var raw = await RawImapClient.ConnectAsync(frontDoor.Endpoint))
            {
                await raw.ReadLineAsync();
                await raw.SendAsync($"a1 LOGIN bob {Password}x\r\n");
                await raw.ReadLineAsync();
                await raw.SendAsync($"a2 LOGIN bob {{{Password.Length}+}}\r\n{Password}\r\n");
                Assert.StartsWith("a2 OK", await raw.ReadLineAsync(), StringComparison.Ordinal);
                var body = $"Subject: secret\r\n\r\n{BodyMarker}\r\n";
                await raw.SendAsync($"a3 APPEND INBOX {{{body.Length}+}}\r\n{body}\r\n");
                Assert.StartsWith("a3 OK", (await raw.ReadUntilAsync("a3 "))[^1], StringComparison.Ordinal);
                await raw.SendAsync("a4 LOGOUT\r\n");
                await raw.ReadUntilAsync("a4 ");
            }

            using var client = new ImapClient();
            await client.ConnectAsync("127.0.0.1", frontDoor.Endpoint.Port, SecureSocketOptions.None);
            await client.AuthenticateAsync("bob", Password);
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
            using var fetched = await client.Inbox.GetStreamAsync(client.Inbox.Count - 1, string.Empty);
            Assert.Contains(BodyMarker, new StreamReader(fetched, Encoding.ASCII).ReadToEnd(), StringComparison.Ordinal);
            await client.DisconnectAsync(quit: true);
        }

        var lines = capture.Lines;
        Assert.NotEmpty(lines);
        Assert.Contains(lines, l => l.Contains("bob", StringComparison.Ordinal));
        var base64 = Convert.ToBase64String(Encoding.ASCII.GetBytes($"\0bob\0{Password}"));
        Assert.DoesNotContain(lines, l => l.Contains(Password, StringComparison.Ordinal) || l.Contains(base64, StringComparison.Ordinal) || l.Contains(BodyMarker, StringComparison.Ordinal));
    }
}
