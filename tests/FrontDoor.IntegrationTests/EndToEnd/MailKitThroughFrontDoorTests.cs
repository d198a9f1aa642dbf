using FrontDoor.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Xunit;

namespace FrontDoor.IntegrationTests.EndToEnd;

/// <summary>MailKit, a real client, through FrontDoor to real Dovecot servers.</summary>
public class MailKitThroughFrontDoorTests : IClassFixture<DovecotPairFixture>
{
    private readonly DovecotPairFixture _fixture;

    public MailKitThroughFrontDoorTests(DovecotPairFixture fixture)
    {
        _fixture = fixture;
    }

    private async Task<ImapClient> ConnectAsync(string user, bool useLoginCommand = false)
    {
        var client = new ImapClient();
        await client.ConnectAsync(_fixture.FrontDoor.Endpoint.Address.ToString(), _fixture.FrontDoor.Endpoint.Port, SecureSocketOptions.None);
        if (useLoginCommand)
        {
            // With no SASL mechanism left, MailKit falls back to the LOGIN command.
            client.AuthenticationMechanisms.Clear();
        }

        await client.AuthenticateAsync(user, DovecotPairFixture.Users[user]);
        return client;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Logs_in_with_authenticate_plain_and_with_login(bool useLoginCommand)
    {
        using var client = await ConnectAsync("bob", useLoginCommand);
        Assert.True(client.IsAuthenticated);
        // The post-login list is the backend's, less what FrontDoor must keep for itself.
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Idle));
        Assert.DoesNotContain("PLAIN", client.AuthenticationMechanisms);
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0]);
        Assert.Contains(folders, f => f.FullName == "INBOX");
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_and_the_session_can_try_again()
    {
        using var client = new ImapClient();
        await client.ConnectAsync(_fixture.FrontDoor.Endpoint.Address.ToString(), _fixture.FrontDoor.Endpoint.Port, SecureSocketOptions.None);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("bob", "not-the-password"));
        Assert.True(client.IsConnected);
        await client.AuthenticateAsync("bob", DovecotPairFixture.Users["bob"]);
        Assert.True(client.IsAuthenticated);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    public async Task Appended_messages_come_back_byte_exact(int megabytes)
    {
        using var client = await ConnectAsync("bob");
        var folder = await CreateFolderAsync(client, $"Append{megabytes}");
        var raw = Mail.Message($"size {megabytes} MB", megabytes * 1024 * 1024, seed: megabytes);
        var uid = await folder.AppendAsync(Mail.Parse(raw), MessageFlags.Seen);
        Assert.NotNull(uid);

        await folder.OpenAsync(FolderAccess.ReadOnly);
        using var stream = await folder.GetStreamAsync(uid!.Value, string.Empty);
        Assert.Equal(Mail.Sha256(raw), Mail.Sha256(stream));
        Assert.Equal(raw.Length, (int)stream.Length);
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Select_search_store_and_fetch_work_through_the_relay()
    {
        using var client = await ConnectAsync("bob");
        var folder = await CreateFolderAsync(client, "Search");
        for (var i = 0; i < 3; i++)
        {
            await folder.AppendAsync(Mail.Parse(Mail.Message($"needle {i}", 2000, seed: i)));
        }

        await folder.AppendAsync(Mail.Parse(Mail.Message("haystack", 2000)));
        await folder.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(4, folder.Count);

        var found = await folder.SearchAsync(SearchQuery.SubjectContains("needle"));
        Assert.Equal(3, found.Count);

        await folder.AddFlagsAsync(found, MessageFlags.Flagged, silent: true);
        var flagged = await folder.SearchAsync(SearchQuery.Flagged);
        Assert.Equal(found.OrderBy(u => u.Id), flagged.OrderBy(u => u.Id));

        var summaries = await folder.FetchAsync(found, MessageSummaryItems.Envelope | MessageSummaryItems.Flags);
        Assert.All(summaries, s => Assert.StartsWith("needle", s.Envelope!.Subject, StringComparison.Ordinal));
        Assert.All(summaries, s => Assert.True(s.Flags!.Value.HasFlag(MessageFlags.Flagged)));
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Idle_is_woken_by_another_sessions_append()
    {
        using var watcher = await ConnectAsync("bob");
        var inbox = watcher.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var before = inbox.Count;
        var arrived = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        inbox.CountChanged += (_, _) => arrived.TrySetResult(inbox.Count);

        using var done = new CancellationTokenSource();
        var idle = watcher.IdleAsync(done.Token);

        using (var writer = await ConnectAsync("bob"))
        {
            await writer.Inbox.AppendAsync(Mail.Parse(Mail.Message("wake up", 500)));
            await writer.DisconnectAsync(quit: true);
        }

        var count = await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await done.CancelAsync();
        await idle;
        Assert.Equal(before + 1, count);
        await watcher.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Users_are_routed_to_the_backend_that_holds_their_mailbox()
    {
        var marker = $"routed-{Guid.NewGuid():N}";
        foreach (var user in new[] { "alice", "bob", "carol@example.org" })
        {
            using var client = await ConnectAsync(user);
            await client.Inbox.AppendAsync(Mail.Parse(Mail.Message($"{marker} {user}", 300)));
            await client.DisconnectAsync(quit: true);
        }

        // Straight to each Dovecot, bypassing FrontDoor: each message is where the routing said.
        Assert.Equal(["alice", "carol@example.org"], await SubjectsOnAsync(_fixture.Other, marker));
        Assert.Equal(["bob"], await SubjectsOnAsync(_fixture.Modern, marker));
    }

    private static async Task<List<string>> SubjectsOnAsync(Servers.DovecotServer server, string marker)
    {
        var users = new List<string>();
        foreach (var (user, password) in DovecotPairFixture.Users)
        {
            using var direct = new ImapClient();
            await direct.ConnectAsync(server.Host, server.Port, SecureSocketOptions.None);
            await direct.AuthenticateAsync(user, password);
            await direct.Inbox.OpenAsync(FolderAccess.ReadOnly);
            var hits = await direct.Inbox.SearchAsync(SearchQuery.SubjectContains(marker));
            if (hits.Count > 0)
            {
                users.Add(user);
            }

            await direct.DisconnectAsync(quit: true);
        }

        return users;
    }

    private static async Task<IMailFolder> CreateFolderAsync(ImapClient client, string prefix)
    {
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        return await root.CreateAsync($"{prefix}-{Guid.NewGuid():N}", isMessageFolder: true) ?? throw new InvalidOperationException("CREATE returned no folder");
    }
}
