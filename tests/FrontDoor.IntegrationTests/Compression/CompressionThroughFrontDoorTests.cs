using System.Text;
using FrontDoor.IntegrationTests.EndToEnd;
using FrontDoor.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Xunit;

namespace FrontDoor.IntegrationTests.Compression;

/// <summary>Real clients compressing through FrontDoor (RFC 4978) to real Dovecot and Courier.</summary>
public class CompressionThroughFrontDoorTests : IClassFixture<CompressionFixture>
{
    private readonly CompressionFixture _fixture;

    public CompressionThroughFrontDoorTests(CompressionFixture fixture)
    {
        _fixture = fixture;
    }

    private async Task<ImapClient> ConnectAndCompressAsync(string user)
    {
        var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", _fixture.FrontDoor.Endpoint.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(user, CompressionFixture.Users[user]);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Compress), "COMPRESS=DEFLATE is offered after login");
        await client.CompressAsync();
        return client;
    }

    [Theory]
    [InlineData("bob")]
    [InlineData("dave")]
    public async Task MailKit_compressing_appends_and_fetches_byte_exact(string user)
    {
        using var client = await ConnectAndCompressAsync(user);
        var folder = await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync($"Compressed{Guid.NewGuid():N}"[..20], true) ?? throw new InvalidOperationException("folder not created");
        var messages = new[] { 300, 64 * 1024, 3 * 1024 * 1024 }.Select((size, i) => Mail.Message($"{user} compressed {i}", size, seed: size + i)).ToList();
        foreach (var raw in messages)
        {
            Assert.NotNull(await folder.AppendAsync(Mail.Parse(raw)));
        }

        await folder.OpenAsync(FolderAccess.ReadOnly);
        var uids = await folder.SearchAsync(SearchQuery.All);
        Assert.Equal(messages.Count, uids.Count);
        for (var i = 0; i < uids.Count; i++)
        {
            using var stream = await folder.GetStreamAsync(uids[i], string.Empty);
            Assert.Equal(Mail.Sha256(messages[i]), Mail.Sha256(stream));
        }

        await client.DisconnectAsync(quit: true);
        if (user == "dave")
        {
            // Dovecot offers COMPRESS (imap_zlib) and compressBackend took it: the FrontDoor-to-Dovecot leg was compressed.
            Assert.Contains(_fixture.Log.Lines, l => l.Contains("[2003]", StringComparison.Ordinal) && l.Contains("active True", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_converted_nonsync_append_inside_a_compressed_session_reaches_courier_whole()
    {
        var raw = Mail.Message("courier compressed", 2 * 1024 * 1024, seed: 42);
        await using var client = await RawImapClient.ConnectAsync(_fixture.FrontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice alice-pw\r\n");
        var ok = await client.ReadLineAsync();
        Assert.StartsWith("a1 OK ", ok, StringComparison.Ordinal);
        Assert.Contains("COMPRESS=DEFLATE", ok, StringComparison.Ordinal);
        await client.SendAsync("a2 COMPRESS DEFLATE\r\n");
        Assert.Equal("a2 OK DEFLATE active", await client.ReadLineAsync());
        client.StartCompression();

        // {N+} although Courier has no LITERAL+: FrontDoor sends {N}, swallows Courier's '+', then the octets.
        await client.SendAsync([.. Encoding.ASCII.GetBytes($"a3 APPEND INBOX {{{raw.Length}+}}\r\n"), .. raw, .. "\r\n"u8]);
        var appended = await client.ReadUntilAsync("a3 ");
        Assert.StartsWith("a3 OK", appended[^1], StringComparison.Ordinal);
        Assert.DoesNotContain(appended, l => l.StartsWith('+'));

        await client.SendAsync("a4 SELECT INBOX\r\n");
        await client.ReadUntilAsync("a4 OK");
        await client.SendAsync("a5 SEARCH SUBJECT \"courier compressed\"\r\n");
        var search = await client.ReadUntilAsync("a5 OK");
        var number = search.Single(l => l.StartsWith("* SEARCH ", StringComparison.Ordinal)).Split(' ')[^1];
        await client.SendAsync($"a6 FETCH {number} BODY.PEEK[]\r\n");
        Assert.EndsWith($"{{{raw.Length}}}", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal(Mail.Sha256(raw), Mail.Sha256(await client.ReadBytesAsync(raw.Length)));
        await client.ReadUntilAsync("a6 OK");
    }

    [Fact]
    public async Task Mbsync_compresses_through_FrontDoor_both_ways()
    {
        // Seed the server with messages through a compressed MailKit session.
        var seeded = Enumerable.Range(0, 5).Select(i => Mail.Message($"mbsync seed {i}", 20_000 + (i * 7_000), seed: 100 + i)).ToList();
        using (var client = await ConnectAndCompressAsync("bob"))
        {
            var folder = await client.GetFolder(client.PersonalNamespaces[0]).CreateAsync("Sync", true) ?? throw new InvalidOperationException("folder not created");
            foreach (var raw in seeded)
            {
                await folder.AppendAsync(Mail.Parse(raw));
            }

            await client.DisconnectAsync(quit: true);
        }

        var before = CompressedSessions();
        using var mbsync = new Mbsync(_fixture.FrontDoor.Endpoint.Port, "bob", CompressionFixture.Users["bob"], "Sync");
        await mbsync.RunAsync();
        var pulled = mbsync.LocalMessages().Select(Mbsync.AsSent).Select(Mail.Sha256).Order().ToList();
        Assert.Equal(seeded.Select(Mail.Sha256).Order(), pulled);

        // A new local message goes up on the next run.
        var local = Mail.Message("mbsync upload", 50_000, seed: 7);
        mbsync.AddLocalMessage(local);
        await mbsync.RunAsync();
        Assert.True(CompressedSessions() >= before + 2, "each mbsync run compressed its session");

        using var check = await ConnectAndCompressAsync("bob");
        var sync = await check.GetFolderAsync("Sync");
        await sync.OpenAsync(FolderAccess.ReadOnly);
        var found = await sync.SearchAsync(SearchQuery.SubjectContains("mbsync upload"));
        using var stream = new MemoryStream();
        await (await sync.GetStreamAsync(Assert.Single(found), string.Empty)).CopyToAsync(stream);
        Assert.Equal(Mail.Sha256(local), Mail.Sha256(Mbsync.AsSent(stream.ToArray())));
    }

    private int CompressedSessions() => _fixture.Log.Lines.Count(l => l.Contains("[1110]", StringComparison.Ordinal));
}
