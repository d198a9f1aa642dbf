using System.Text;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.Plugins.LiteralPlusCompat.Tests;

/// <summary>
/// The wire cases of docs/PROTOCOL.md, against the scripted FAKE legacy backend. B: lines are
/// what the backend must receive, in order; anything else it receives fails its script.
/// </summary>
public class WireCaseTests
{
    private static async Task RunAsync(Func<RawImapClient, Task> backendScript, Func<RawImapClient, Task> clientScript, string attributes = "", string capabilities = LegacyWire.LegacyCapabilities)
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync(capabilities);
            await backendScript(b);
        });
        await using var frontDoor = await LegacyWire.StartAsync(backend, attributes);
        var (client, _) = await LegacyWire.LoginAsync(frontDoor);
        await using (client)
        {
            await clientScript(client);
        }

        await backend.Completion.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public Task Case01_nonsync_append_is_synchronized_and_the_plus_swallowed() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 APPEND INBOX {5}");
            await b.SendAsync("+ Ready\r\n");
            Assert.Equal("hello", Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync("A1 OK APPEND completed\r\n");
        },
        async c =>
        {
            await c.SendAsync("A1 APPEND INBOX {5+}\r\nhello\r\n");
            Assert.Equal("A1 OK APPEND completed", await c.ReadLineAsync());
        });

    [Fact]
    public Task Case02_clients_own_sync_literal_gets_the_backends_plus() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 APPEND INBOX {5}");
            await b.SendAsync("+ OK\r\n");
            Assert.Equal("hello", Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync("A1 OK APPEND completed\r\n");
        },
        async c =>
        {
            await c.SendAsync("A1 APPEND INBOX {5}\r\n");
            Assert.Equal("+ OK", await c.ReadLineAsync());
            await c.SendAsync("hello\r\n");
            Assert.Equal("A1 OK APPEND completed", await c.ReadLineAsync());
        });

    [Theory]
    [InlineData("A1 NO [TRYCREATE] Mailbox does not exist")]
    [InlineData("A1 BAD Invalid arguments")]
    public Task Case03_04_refused_literal_is_drained_and_the_next_command_relayed(string refusal) => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 APPEND Nope {5}");
            await b.SendAsync(refusal + "\r\n");
            // "hello" must never arrive: the next line is the next command.
            await b.ExpectLineAsync("A2 NOOP");
            await b.SendAsync("A2 OK NOOP completed\r\n");
        },
        async c =>
        {
            await c.SendAsync("A1 APPEND Nope {5+}\r\nhello\r\nA2 NOOP\r\n");
            Assert.Equal(refusal, await c.ReadLineAsync());
            Assert.Equal("A2 OK NOOP completed", await c.ReadLineAsync());
        });

    [Fact]
    public Task Case05_ten_mebibytes_refused_are_drained_and_the_command_in_the_same_segment_survives()
    {
        const int size = 10 * 1024 * 1024;
        return RunAsync(
            async b =>
            {
                await b.ExpectLineAsync($"A1 APPEND INBOX {{{size}}}");
                await b.SendAsync("A1 NO [OVERQUOTA] Quota exceeded\r\n");
                await b.ExpectLineAsync("A2 NOOP");
                await b.SendAsync("A2 OK NOOP completed\r\n");
            },
            async c =>
            {
                await c.SendAsync($"A1 APPEND INBOX {{{size}+}}\r\n");
                var body = new byte[size];
                Array.Fill(body, (byte)'x');
                // The last body octets, the CRLF and the next command travel in one write.
                await c.SendAsync(body[..(size - 10)]);
                await c.SendAsync([.. body[(size - 10)..], .. "\r\nA2 NOOP\r\n"u8]);
                Assert.Equal("A1 NO [OVERQUOTA] Quota exceeded", await c.ReadLineAsync());
                Assert.Equal("A2 OK NOOP completed", await c.ReadLineAsync());
            });
    }

    [Fact]
    public Task Case06_two_literals_in_one_command_take_two_round_trips() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 LOGIN {5}");
            await b.SendAsync("+ OK\r\n");
            Assert.Equal("alice", Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
            await b.ExpectLineAsync(" {6}");
            await b.SendAsync("+ OK\r\n");
            Assert.Equal("secret", Encoding.ASCII.GetString(await b.ReadBytesAsync(6)));
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync("A1 NO Already logged in\r\n");
        },
        async c =>
        {
            await c.SendAsync("A1 LOGIN {5+}\r\nalice {6+}\r\nsecret\r\n");
            Assert.Equal("A1 NO Already logged in", await c.ReadLineAsync());
        });

    [Fact]
    public Task Case07_refused_after_the_first_literal_drops_the_rest_of_the_command() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 LOGIN {5}");
            await b.SendAsync("+ OK\r\n");
            Assert.Equal("alice", Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
            await b.ExpectLineAsync(" {6}");
            await b.SendAsync("A1 BAD Too many logins\r\n");
            await b.ExpectLineAsync("A2 NOOP");
            await b.SendAsync("A2 OK NOOP completed\r\n");
        },
        async c =>
        {
            await c.SendAsync("A1 LOGIN {5+}\r\nalice {6+}\r\nsecret\r\nA2 NOOP\r\n");
            Assert.Equal("A1 BAD Too many logins", await c.ReadLineAsync());
            Assert.Equal("A2 OK NOOP completed", await c.ReadLineAsync());
        });

    [Fact]
    public Task Case08_binary_literal_is_converted_and_its_octets_unchanged() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 APPEND INBOX ~{4}");
            await b.SendAsync("+ OK\r\n");
            Assert.Equal(new byte[] { 0, 1, 13, 10 }, await b.ReadBytesAsync(4));
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync("A1 OK APPEND completed\r\n");
        },
        async c =>
        {
            await c.SendAsync([.. "A1 APPEND INBOX ~{4+}\r\n"u8, 0, 1, 13, 10, .. "\r\n"u8]);
            Assert.Equal("A1 OK APPEND completed", await c.ReadLineAsync());
        });

    [Fact]
    public Task Case09_utf8_append_keeps_what_follows_the_literal() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 APPEND INBOX UTF8 (~{7}");
            await b.SendAsync("+ OK\r\n");
            Assert.Equal("message", Encoding.ASCII.GetString(await b.ReadBytesAsync(7)));
            await b.ExpectLineAsync(")");
            await b.SendAsync("A1 OK APPEND completed\r\n");
        },
        async c =>
        {
            await c.SendAsync("A1 APPEND INBOX UTF8 (~{7+}\r\nmessage)\r\n");
            Assert.Equal("A1 OK APPEND completed", await c.ReadLineAsync());
        });

    [Fact]
    public Task Case10_zero_length_literal_waits_for_plus_then_the_crlf() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 SEARCH SUBJECT {0}");
            await b.SendAsync("+ OK\r\n");
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync("* SEARCH\r\nA1 OK SEARCH completed\r\n");
        },
        async c =>
        {
            await c.SendAsync("A1 SEARCH SUBJECT {0+}\r\n\r\n");
            Assert.Equal("* SEARCH", await c.ReadLineAsync());
            Assert.Equal("A1 OK SEARCH completed", await c.ReadLineAsync());
        });

    [Fact]
    public Task Case11_pipelined_commands_wait_behind_the_literal_and_completions_keep_backend_order() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 APPEND INBOX {5}");
            await b.SendAsync("+ Ready\r\n");
            Assert.Equal("hello", Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
            await b.ExpectLineAsync(string.Empty);
            await b.ExpectLineAsync("A2 NOOP");
            await b.ExpectLineAsync("A3 SELECT INBOX");
            await b.SendAsync("A2 OK NOOP completed\r\nA1 OK APPEND completed\r\nA3 OK SELECT completed\r\n");
        },
        async c =>
        {
            await c.SendAsync("A1 APPEND INBOX {5+}\r\nhello\r\nA2 NOOP\r\nA3 SELECT INBOX\r\n");
            Assert.Equal("A2 OK NOOP completed", await c.ReadLineAsync());
            Assert.Equal("A1 OK APPEND completed", await c.ReadLineAsync());
            Assert.Equal("A3 OK SELECT completed", await c.ReadLineAsync());
        });

    [Fact]
    public Task Case12_untagged_data_while_waiting_reaches_the_client_and_the_plus_does_not() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 APPEND INBOX {5}");
            await b.SendAsync("* 4 EXISTS\r\n");
            await Task.Delay(50);
            await b.SendAsync("+ OK\r\n");
            Assert.Equal("hello", Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync("A1 OK APPEND completed\r\n");
        },
        async c =>
        {
            await c.SendAsync("A1 APPEND INBOX {5+}\r\nhello\r\n");
            Assert.Equal("* 4 EXISTS", await c.ReadLineAsync());
            Assert.Equal("A1 OK APPEND completed", await c.ReadLineAsync());
        });

    [Fact]
    public Task Case13_idle_pipelined_behind_a_converted_append_gets_its_own_plus() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 APPEND INBOX {5}");
            await b.SendAsync("+ OK\r\n");
            Assert.Equal("hello", Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
            await b.ExpectLineAsync(string.Empty);
            await b.ExpectLineAsync("A2 IDLE");
            await b.SendAsync("A1 OK APPEND completed\r\n+ idling\r\n");
            await b.ExpectLineAsync("DONE");
            await b.SendAsync("A2 OK IDLE terminated\r\n");
        },
        async c =>
        {
            await c.SendAsync("A1 APPEND INBOX {5+}\r\nhello\r\nA2 IDLE\r\n");
            Assert.Equal("A1 OK APPEND completed", await c.ReadLineAsync());
            Assert.Equal("+ idling", await c.ReadLineAsync());
            await c.SendAsync("DONE\r\n");
            Assert.Equal("A2 OK IDLE terminated", await c.ReadLineAsync());
        });

    [Fact]
    public Task Case14_authenticate_continuations_are_relayed_and_the_response_is_not_a_command() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 AUTHENTICATE PLAIN");
            await b.SendAsync("+ \r\n");
            await b.ExpectLineAsync("AGFsaWNlAHNlY3JldA==");
            await b.SendAsync("A1 NO [CLIENTBUG] Already authenticated\r\n");
        },
        async c =>
        {
            await c.SendAsync("A1 AUTHENTICATE PLAIN\r\n");
            Assert.Equal("+ ", await c.ReadLineAsync());
            await c.SendAsync("AGFsaWNlAHNlY3JldA==\r\n");
            Assert.Equal("A1 NO [CLIENTBUG] Already authenticated", await c.ReadLineAsync());
        });

    [Theory]
    [InlineData("+ OK")]
    [InlineData("+ go ahead")]
    [InlineData("+ Ready for argument")]
    [InlineData("+ ")]
    [InlineData("+")]
    public Task Case15_every_continuation_spelling_is_swallowed(string continuation) => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 APPEND INBOX {5}");
            await b.SendAsync(continuation + "\r\n");
            Assert.Equal("hello", Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync("A1 OK APPEND completed\r\n");
        },
        async c =>
        {
            await c.SendAsync("A1 APPEND INBOX {5+}\r\nhello\r\n");
            Assert.Equal("A1 OK APPEND completed", await c.ReadLineAsync());
        });

    [Fact]
    public Task Case16_capabilities_are_stripped_wherever_they_appear_and_only_whole_tokens() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 CAPABILITY");
            await b.SendAsync("* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN] ready\r\n* CAPABILITY IMAP4rev1 literal+ IDLE LITERAL- X-LITERAL+FOO\r\nA1 OK [CAPABILITY IMAP4rev1 LITERAL+] done\r\n");
        },
        async c =>
        {
            await c.SendAsync("A1 CAPABILITY\r\n");
            Assert.Equal("* OK [CAPABILITY IMAP4rev1] ready", await c.ReadLineAsync());
            Assert.Equal("* CAPABILITY IMAP4rev1 IDLE X-LITERAL+FOO", await c.ReadLineAsync());
            Assert.Equal("A1 OK [CAPABILITY IMAP4rev1] done", await c.ReadLineAsync());
        },
        attributes: "literalPlus=\"synchronize\"");

    [Fact]
    public Task Case17_a_client_that_ignores_the_stripped_list_is_still_converted() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 SELECT {5}");
            await b.SendAsync("+ OK\r\n");
            Assert.Equal("Inbox", Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync("A1 OK [READ-WRITE] SELECT completed\r\n");
        },
        async c =>
        {
            await c.SendAsync("A1 SELECT {5+}\r\nInbox\r\n");
            Assert.Equal("A1 OK [READ-WRITE] SELECT completed", await c.ReadLineAsync());
        });

    [Fact]
    public Task Case18_a_brace_not_at_the_end_of_the_line_is_text() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 SEARCH TEXT {5+}x");
            await b.SendAsync("A1 BAD Parse error\r\n");
        },
        async c =>
        {
            await c.SendAsync("A1 SEARCH TEXT {5+}x\r\n");
            Assert.Equal("A1 BAD Parse error", await c.ReadLineAsync());
        });

    [Fact]
    public Task Case19_an_impossible_size_ends_the_session_with_toobig() => RunAsync(
        async b => Assert.True(await b.IsClosedAsync()),
        async c =>
        {
            await c.SendAsync("A1 APPEND INBOX {99999999999999999999+}\r\n");
            Assert.Equal("* BYE [TOOBIG] Literal size is impossible", await c.ReadLineAsync());
            Assert.True(await c.IsClosedAsync());
        });

    [Fact]
    public async Task Case20_case_one_split_at_every_offset_gives_identical_bytes()
    {
        var input = Encoding.ASCII.GetBytes("A1 APPEND INBOX {5+}\r\nhello\r\n");
        foreach (var split in Segments.Splits(input))
        {
            await RunAsync(
                async b =>
                {
                    await b.ExpectLineAsync("A1 APPEND INBOX {5}");
                    await b.SendAsync("+ Ready\r\n");
                    Assert.Equal("hello", Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
                    await b.ExpectLineAsync(string.Empty);
                    await b.SendAsync("A1 OK APPEND completed\r\n");
                },
                async c =>
                {
                    foreach (var chunk in split)
                    {
                        await c.SendAsync(chunk);
                        await Task.Yield();
                    }

                    Assert.Equal("A1 OK APPEND completed", await c.ReadLineAsync());
                });
        }
    }

    [Fact]
    public Task Case21_client_gone_mid_literal_closes_the_backend() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 APPEND INBOX {5}");
            await b.SendAsync("+ OK\r\n");
            Assert.Equal("hel", Encoding.ASCII.GetString(await b.ReadBytesAsync(3)));
            Assert.True(await b.IsClosedAsync());
        },
        async c =>
        {
            await c.SendAsync("A1 APPEND INBOX {5+}\r\nhel");
        });

    [Fact]
    public Task Case22_no_answer_to_the_converted_line_ends_the_session_with_bye() => RunAsync(
        async b =>
        {
            await b.ExpectLineAsync("A1 APPEND INBOX {5}");
            Assert.True(await b.IsClosedAsync());
        },
        async c =>
        {
            await c.SendAsync("A1 APPEND INBOX {5+}\r\nhello\r\n");
            Assert.Equal("* BYE [UNAVAILABLE] The mail server did not answer in time", await c.ReadLineAsync());
            Assert.True(await c.IsClosedAsync());
        },
        attributes: "continuationTimeout=\"1\"");
}
