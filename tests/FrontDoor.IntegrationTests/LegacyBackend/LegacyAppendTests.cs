using System.Text;
using FrontDoor.IntegrationTests.EndToEnd;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Xunit;

namespace FrontDoor.IntegrationTests.LegacyBackend;

/// <summary>
/// The failure FrontDoor exists to prevent (README, "LITERAL+ and legacy backends"), for real: large
/// APPENDs by clients that use LITERAL+ through FrontDoor to a backend without it (Courier-IMAP), stored
/// byte-exact; and the failure itself when the plugin is absent.
/// </summary>
public class LegacyAppendTests : IClassFixture<LegacyFixture>
{
    private readonly LegacyFixture _fixture;

    public LegacyAppendTests(LegacyFixture fixture)
    {
        _fixture = fixture;
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(5 * 1024 * 1024)]
    [InlineData(50 * 1024 * 1024)]
    public async Task MailKit_with_literal_plus_offered_appends_to_courier_byte_exact(int size)
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", _fixture.FrontDoor.Endpoint.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync("carol", LegacyFixture.Users["carol"]);
        // advertiseLiteralPlus: MailKit sees LITERAL+ and sends every literal as {N+}; Courier gets {N}.
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.LiteralPlus));

        var raw = Mail.Message($"legacy {size}", size, seed: size);
        var uid = await client.Inbox.AppendAsync(Mail.Parse(raw));
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var stored = uid ?? (await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.SubjectContains($"legacy {size}")))[^1];
        using var stream = await client.Inbox.GetStreamAsync(stored, string.Empty);
        Assert.Equal(Mail.Sha256(raw), Mail.Sha256(stream));
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task A_raw_client_writing_25_mb_at_once_as_thunderbird_does_is_stored()
    {
        var raw = Mail.Message("thunderbird 25", 25 * 1024 * 1024, seed: 25);
        await using var client = await RawImapClient.ConnectAsync(_fixture.FrontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice alice-pw\r\n");
        Assert.StartsWith("a1 OK ", await client.ReadLineAsync(), StringComparison.Ordinal);

        // Line, body and CRLF in one write, no waiting for a continuation.
        await client.SendAsync([.. Encoding.ASCII.GetBytes($"a2 APPEND INBOX {{{raw.Length}+}}\r\n"), .. raw, .. "\r\n"u8]);
        var appended = await client.ReadUntilAsync("a2 ");
        Assert.StartsWith("a2 OK", appended[^1], StringComparison.Ordinal);
        Assert.DoesNotContain(appended, l => l.StartsWith('+'));

        await client.SendAsync("a3 SELECT INBOX\r\n");
        await client.ReadUntilAsync("a3 OK");
        await client.SendAsync("a4 SEARCH SUBJECT \"thunderbird 25\"\r\n");
        var search = await client.ReadUntilAsync("a4 OK");
        var number = search.Single(l => l.StartsWith("* SEARCH ", StringComparison.Ordinal)).Split(' ')[^1];
        await client.SendAsync($"a5 FETCH {number} BODY.PEEK[]\r\n");
        var header = await client.ReadLineAsync();
        Assert.EndsWith($"{{{raw.Length}}}", header, StringComparison.Ordinal);
        var fetched = await client.ReadBytesAsync(raw.Length);
        Assert.Equal(Mail.Sha256(raw), Mail.Sha256(fetched));
        await client.ReadUntilAsync("a5 OK");
    }

    [Fact]
    public async Task A_nonsync_append_to_a_missing_mailbox_gets_trycreate_and_its_body_is_never_run()
    {
        var raw = Encoding.ASCII.GetBytes("Subject: injected\r\n\r\nx CREATE INBOX.Injected\r\ny NOOP\r\n");
        await using var client = await RawImapClient.ConnectAsync(_fixture.FrontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice alice-pw\r\n");
        Assert.StartsWith("a1 OK ", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.SendAsync([.. Encoding.ASCII.GetBytes($"a2 APPEND INBOX.NoSuchFolder {{{raw.Length}+}}\r\n"), .. raw, .. "\r\na3 NOOP\r\n"u8]);
        var lines = await client.ReadUntilAsync("a3 ");
        Assert.Contains(lines, l => l.StartsWith("a2 NO", StringComparison.Ordinal) && l.Contains("TRYCREATE", StringComparison.Ordinal));
        Assert.StartsWith("a3 OK", lines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.StartsWith("x ", StringComparison.Ordinal) || l.StartsWith("y ", StringComparison.Ordinal));
        Assert.False(await FolderExistsOnCourierAsync("alice", "INBOX.Injected"));
    }

    [Fact]
    public async Task Dovecot_with_literal_plus_synchronize_never_receives_a_nonsync_literal()
    {
        var raw = Mail.Message("dovecot sync", 20_000);
        await using var client = await RawImapClient.ConnectAsync(_fixture.FrontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN dave dave-pw\r\n");
        var ok = await client.ReadLineAsync();
        Assert.StartsWith("a1 OK ", ok, StringComparison.Ordinal);
        Assert.DoesNotContain("LITERAL+", ok, StringComparison.OrdinalIgnoreCase);
        // The client sends {N+} anyway (a cached pre-login list says LITERAL+).
        await client.SendAsync([.. Encoding.ASCII.GetBytes($"a2 APPEND INBOX {{{raw.Length}+}}\r\n"), .. raw, .. "\r\n"u8]);
        Assert.StartsWith("a2 OK", (await client.ReadUntilAsync("a2 "))[^1], StringComparison.Ordinal);
        await client.SendAsync("a3 LOGOUT\r\n");
        await client.ReadUntilAsync("a3 ");

        var sent = _fixture.DovecotTap.SentToBackend;
        Assert.Contains($"a2 APPEND INBOX {{{raw.Length}}}\r\n", sent, StringComparison.Ordinal);
        // No line FrontDoor sent ends in a non-synchronizing literal header (the body may hold "+}" as text).
        Assert.DoesNotMatch(@"\{[0-9]+\+\}\r\n", sent);
    }

    [Fact]
    public async Task Without_the_plugin_the_large_attachment_failure_reproduces_on_courier()
    {
        var plugins = Directory.CreateTempSubdirectory("frontdoor-plugins-").FullName;
        try
        {
            var from = Path.Combine(RepoPaths.PluginDirectory, "BackendRouting");
            Directory.CreateDirectory(Path.Combine(plugins, "BackendRouting"));
            foreach (var file in Directory.GetFiles(from))
            {
                File.Copy(file, Path.Combine(plugins, "BackendRouting", Path.GetFileName(file)));
            }

            await using var plain = await TestFrontDoor.StartAsync(
                $"<backends><backend name=\"courier\" endpoint=\"127.0.0.1:{_fixture.Courier.Port}\" /></backends><routing default=\"courier\" />",
                string.Empty,
                "--frontDoor:plugins:directory", plugins);
            var folder = $"INBOX.Injected{Guid.NewGuid():N}"[..28];
            var raw = Encoding.ASCII.GetBytes($"Subject: attachment\r\n\r\nx CREATE {folder}\r\n");
            await using var client = await RawImapClient.ConnectAsync(plain.Endpoint);
            await client.ReadLineAsync();
            await client.SendAsync("a1 LOGIN alice alice-pw\r\n");
            Assert.StartsWith("a1 OK ", await client.ReadLineAsync(), StringComparison.Ordinal);
            await client.SendAsync([.. Encoding.ASCII.GetBytes($"a2 APPEND INBOX {{{raw.Length}+}}\r\n"), .. raw, .. "\r\na3 NOOP\r\n"u8]);
            var lines = await client.ReadUntilAsync("a3 ");
            // The APPEND fails and the body's line ran as a command: the large-attachment failure, through a plain relay.
            Assert.Contains(lines, l => l.StartsWith("a2 BAD", StringComparison.Ordinal) || l.StartsWith("a2 NO", StringComparison.Ordinal));
            Assert.True(await FolderExistsOnCourierAsync("alice", folder));
        }
        finally
        {
            Directory.Delete(plugins, recursive: true);
        }
    }

    private async Task<bool> FolderExistsOnCourierAsync(string user, string folder)
    {
        using var direct = new ImapClient();
        await direct.ConnectAsync(_fixture.Courier.Host, _fixture.Courier.Port, SecureSocketOptions.None);
        await direct.AuthenticateAsync(user, LegacyFixture.Users[user]);
        var all = await direct.GetFoldersAsync(direct.PersonalNamespaces[0]);
        await direct.DisconnectAsync(quit: true);
        return all.Any(f => string.Equals(f.FullName, folder, StringComparison.OrdinalIgnoreCase));
    }
}
