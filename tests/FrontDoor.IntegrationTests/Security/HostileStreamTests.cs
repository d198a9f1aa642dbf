using System.Net.Sockets;
using System.Text;
using FrontDoor.IntegrationTests.EndToEnd;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace FrontDoor.IntegrationTests.Security;

/// <summary>
/// 10,000 random and mutated command streams thrown at a running FrontDoor while a well-behaved MailKit
/// session works beside them: the session completes, no session fails with an exception, every hostile
/// connection ends, and FrontDoor still serves.
/// </summary>
public class HostileStreamTests
{
    private const int Streams = 10_000;
    private const int Parallel = 32;

    private static readonly string[] Seeds =
    [
        "a1 CAPABILITY\r\na2 NOOP\r\na3 LOGOUT\r\n",
        "a1 LOGIN mallory {6+}\r\nsecret\r\na2 SELECT INBOX\r\n",
        "a1 LOGIN {7}\r\nmallory \"pw\"\r\n",
        "a1 AUTHENTICATE PLAIN\r\nAG1hbGxvcnkAc2VjcmV0\r\n",
        "a1 AUTHENTICATE LOGIN\r\nbWFsbG9yeQ==\r\nc2VjcmV0\r\n",
        "a1 ID (\"name\" {7+}\r\nOutlook \"version\" \"16\")\r\n",
        "a1 APPEND INBOX {5+}\r\nhello\r\n",
        "a1 STARTTLS\r\na2 LOGIN x y\r\n",
    ];

    private static byte[] Mutate(Random random)
    {
        var bytes = new List<byte>(Encoding.ASCII.GetBytes(Seeds[random.Next(Seeds.Length)]));
        var mutations = random.Next(0, 6);
        for (var i = 0; i < mutations && bytes.Count > 0; i++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at));
                    break;
                case 2:
                    bytes.InsertRange(at, Encoding.ASCII.GetBytes($"{{{random.Next(0, 200_000)}{(random.Next(2) == 0 ? "+" : string.Empty)}}}\r\n"));
                    break;
                case 3:
                    bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 64)).Select(_ => (byte)random.Next(256)));
                    break;
                case 4:
                    bytes.InsertRange(at, bytes.GetRange(0, at));
                    break;
                case 5:
                    bytes.InsertRange(at, "{99999999999999999999+}\r\n"u8.ToArray());
                    break;
                default:
                    bytes.RemoveAll(b => b == (byte)'\r');
                    break;
            }
        }

        return [.. bytes];
    }

    private static byte[] RandomStream(Random random)
    {
        var length = random.Next(0, 512);
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task Hostile_streams_harm_no_other_session()
    {
        await using var dovecot = await DovecotServer.StartAsync(new Dictionary<string, string> { ["bob"] = "bob-pw" });
        var capture = new CapturingLoggerProvider();
        await using var frontDoor = await TestFrontDoor.StartAsync(
            $"""
            <backends>
              <backend name="mail" endpoint="127.0.0.1:{dovecot.Port}" />
              <backend name="nowhere" endpoint="127.0.0.1:9" connectTimeout="1" />
            </backends>
            <routing default="nowhere"><route user="bob" backend="mail" /></routing>
            <limits authFailureDelay="0.001" maxAuthFailureDelay="0.001" preAuthTimeout="10" />
            """,
            string.Empty,
            services => services.AddSingleton<ILoggerProvider>(capture));

        var wellBehaved = RunWellBehavedSessionAsync(frontDoor);
        var outcomes = new int[3];
        await System.Threading.Tasks.Parallel.ForEachAsync(Enumerable.Range(0, Streams), new ParallelOptions { MaxDegreeOfParallelism = Parallel }, async (i, _) =>
        {
            var random = new Random(i);
            var stream = i % 2 == 0 ? Mutate(random) : RandomStream(random);
            var outcome = await ThrowAsync(frontDoor, stream);
            Interlocked.Increment(ref outcomes[outcome]);
        });

        await wellBehaved;
        Assert.Equal(Streams, outcomes.Sum());
        Assert.Equal(0, outcomes[2]);
        Assert.True(outcomes[0] > Streams / 4, $"only {outcomes[0]} of {Streams} hostile connections got an answer");
        Assert.DoesNotContain(capture.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));

        // Still serving.
        await RunWellBehavedSessionAsync(frontDoor);
    }

    /// <summary>0: answered beyond the greeting (BAD, NO, BYE, OK), then closed; 1: greeting only, closed at our end of input; 2: hung.</summary>
    private static async Task<int> ThrowAsync(TestFrontDoor frontDoor, byte[] stream)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(frontDoor.Endpoint);
        var network = tcp.GetStream();
        try
        {
            await network.WriteAsync(stream);
            tcp.Client.Shutdown(SocketShutdown.Send);
        }
        catch (IOException)
        {
            // FrontDoor closed on us mid-write (BYE [TOOBIG] and close): that is an answer too.
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[4096];
        var lines = 0;
        try
        {
            while (true)
            {
                var read = await network.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    return lines > 1 ? 0 : 1;
                }

                lines += buffer.AsSpan(0, read).Count((byte)'\n');
            }
        }
        catch (IOException)
        {
            return lines > 1 ? 0 : 1;
        }
        catch (OperationCanceledException)
        {
            return 2;
        }
    }

    private static async Task RunWellBehavedSessionAsync(TestFrontDoor frontDoor)
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", frontDoor.Endpoint.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync("bob", "bob-pw");
        for (var round = 0; round < 20; round++)
        {
            var raw = Mail.Message($"calm {round} {Guid.NewGuid():N}", 20_000, seed: round);
            var uid = await client.Inbox.AppendAsync(Mail.Parse(raw));
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
            using var fetched = await client.Inbox.GetStreamAsync(uid!.Value, string.Empty);
            Assert.Equal(Mail.Sha256(raw), Mail.Sha256(fetched));
            Assert.NotEmpty(await client.Inbox.SearchAsync(SearchQuery.SubjectContains($"calm {round}")));
            await client.Inbox.CloseAsync();
        }

        await client.DisconnectAsync(quit: true);
    }
}
