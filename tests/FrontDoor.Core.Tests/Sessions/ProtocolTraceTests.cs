using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>The redacted protocol trace, switched per user and per backend, picked up on the next login after an edit.</summary>
public class ProtocolTraceTests
{
    private const string BodyMarker = "TRACE-BODY-9d1f";

    private static ScriptedBackend Backend(int sessions) => ScriptedBackend.Start(async (b, _) =>
    {
        await b.GreetAndLoginAsync();
        await b.ExpectLineAsync("a2 APPEND INBOX {31}");
        await b.SendAsync("+ OK\r\n");
        await b.ReadBytesAsync(31);
        await b.ExpectLineAsync(string.Empty);
        await b.SendAsync("a2 OK APPEND completed\r\n");
        await b.ExpectLineAsync("a3 FETCH 1 BODY[]");
        await b.SendAsync($"* 1 FETCH (BODY[] {{31}}\r\nSubject: x\r\n\r\n{BodyMarker}\r\n)\r\na3 OK FETCH completed\r\n");
        await b.IsClosedAsync();
    }, sessions);

    private static async Task SessionAsync(TestFrontDoor frontDoor, string user)
    {
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync($"a1 LOGIN {user} {{12+}}\r\nsecret-pw-42\r\n");
        Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.SendAsync($"a2 APPEND INBOX {{31}}\r\n");
        Assert.Equal("+ OK", await client.ReadLineAsync());
        await client.SendAsync($"Subject: x\r\n\r\n{BodyMarker}\r\n\r\n");
        Assert.Equal("a2 OK APPEND completed", await client.ReadLineAsync());
        await client.SendAsync("a3 FETCH 1 BODY[]\r\n");
        await client.ReadUntilAsync("a3 OK");
    }

    [Fact]
    public async Task Traced_users_get_a_redacted_trace_and_an_edit_adds_users_for_their_next_login()
    {
        var traces = Directory.CreateTempSubdirectory("fd-traces-").FullName;
        try
        {
            await using var backend = Backend(sessions: 3);
            await using var frontDoor = await TestFrontDoor.StartAsync(
                $"""<backends><backend name="b" endpoint="127.0.0.1:{backend.Port}" literalPlus="passthrough" /></backends><routing default="b" /><trace directory="{traces}" users="alice" />""");
            await SessionAsync(frontDoor, "alice");
            await SessionAsync(frontDoor, "bob");

            var files = Directory.GetFiles(traces);
            var alice = Assert.Single(files);
            Assert.Contains("-alice-", alice, StringComparison.Ordinal);
            var text = await File.ReadAllTextAsync(alice);
            Assert.Contains("C: a1 LOGIN <hidden>", text, StringComparison.Ordinal);
            Assert.Contains("C: a2 APPEND INBOX {31}", text, StringComparison.Ordinal);
            Assert.Contains("C: <31 octets of literal data>", text, StringComparison.Ordinal);
            Assert.Contains("S: a2 OK APPEND completed", text, StringComparison.Ordinal);
            Assert.Contains("S: * 1 FETCH (BODY[] {31}", text, StringComparison.Ordinal);
            Assert.Contains("S: <31 octets of literal data>", text, StringComparison.Ordinal);
            Assert.DoesNotContain("secret-pw-42", text, StringComparison.Ordinal);
            Assert.DoesNotContain(BodyMarker, text, StringComparison.Ordinal);

            // Live reload: bob is added; his next login is traced.
            var config = await File.ReadAllTextAsync(frontDoor.ConfigPath);
            await File.WriteAllTextAsync(frontDoor.ConfigPath, config.Replace("users=\"alice\"", "users=\"alice, bob\"", StringComparison.Ordinal));
            for (var wait = 0; wait < 40 && ConfigUsers(frontDoor) != "alice, bob"; wait++)
            {
                await Task.Delay(100);
            }

            await SessionAsync(frontDoor, "bob");
            Assert.Single(Directory.GetFiles(traces), f => f.Contains("-bob-", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(traces, recursive: true);
        }
    }

    [Theory]
    [InlineData("passthrough", "{5}", "+ OK")]
    [InlineData("synchronize", "{5+}", "+ go ahead")]
    public async Task A_literal_is_traced_when_its_octets_go_after_the_backends_continuation(string literalPlus, string header, string continuation)
    {
        var traces = Directory.CreateTempSubdirectory("fd-traces-").FullName;
        try
        {
            await using var backend = ScriptedBackend.Start(async b =>
            {
                await b.GreetAndLoginAsync();
                await b.ExpectLineAsync("a2 APPEND INBOX {5}");
                await b.SendAsync(continuation + "\r\n");
                Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
                await b.ExpectLineAsync(string.Empty);
                await b.SendAsync("a2 OK APPEND completed\r\n");
            });
            await using var frontDoor = await TestFrontDoor.StartAsync(
                $"""<backends><backend name="b" endpoint="127.0.0.1:{backend.Port}" literalPlus="{literalPlus}" /></backends><routing default="b" /><trace directory="{traces}" users="alice" />""");
            await using (var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint))
            {
                await client.ReadLineAsync();
                await client.SendAsync("a1 LOGIN alice secret\r\n");
                Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
                if (header == "{5}")
                {
                    await client.SendAsync("a2 APPEND INBOX {5}\r\n");
                    Assert.Equal(continuation, await client.ReadLineAsync());
                    await client.SendAsync("hello\r\n");
                }
                else
                {
                    // The client does not wait; FrontDoor holds the octets until the backend's "+".
                    await client.SendAsync("a2 APPEND INBOX {5+}\r\nhello\r\n");
                }

                Assert.Equal("a2 OK APPEND completed", await client.ReadLineAsync());
            }

            await backend.Completion;

            // Each entry is "HH:mm:ss.fff X: text"; the trace is flushed line by line, before the client sees the line.
            var entries = (await File.ReadAllLinesAsync(Assert.Single(Directory.GetFiles(traces)))).Select(l => l[13..]).ToList();
            var command = entries.IndexOf($"C: a2 APPEND INBOX {header}");
            var plus = entries.IndexOf("S: " + continuation);
            var octets = entries.IndexOf("C: <5 octets of literal data>");
            var done = entries.IndexOf("S: a2 OK APPEND completed");
            Assert.True(command >= 0 && command < plus && plus < octets && octets < done, string.Join("\n", entries));
        }
        finally
        {
            Directory.Delete(traces, recursive: true);
        }
    }

    private static string? ConfigUsers(TestFrontDoor frontDoor) =>
        ((Microsoft.Extensions.Configuration.IConfiguration)frontDoor.Services.GetService(typeof(Microsoft.Extensions.Configuration.IConfiguration))!)["frontDoor:trace:users"];
}
