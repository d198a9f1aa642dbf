using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>
/// RFC 4978 COMPRESS=DEFLATE ended at FrontDoor, exact bytes both ways, against the in-process scripted
/// FAKE backend (<see cref="ScriptedBackend"/>); the client side compresses with System.IO.Compression.
/// </summary>
public class CompressionWireTests
{
    private const string Listener = """<listener name="imap" endpoint="127.0.0.1:0" tls="none" />""";

    private static Task<TestFrontDoor> StartAsync(ScriptedBackend backend, string listener = Listener, string backendExtra = "", CapturingLoggerProvider? capture = null) =>
        TestFrontDoor.StartWithListenerAsync(
            listener,
            $"<backends><backend name=\"fake\" endpoint=\"127.0.0.1:{backend.Port}\" literalPlus=\"passthrough\" {backendExtra} /></backends><routing default=\"fake\" />",
            capture is null ? null : services => services.AddSingleton<ILoggerProvider>(capture),
            "--Logging:LogLevel:Default", "Debug");

    private static async Task<RawImapClient> LoginAndCompressAsync(TestFrontDoor frontDoor, bool oneOctetPerWrite = false)
    {
        var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice secret\r\n");
        Assert.Equal("a1 OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE COMPRESS=DEFLATE] Logged in", await client.ReadLineAsync());
        await client.SendAsync("a2 COMPRESS DEFLATE\r\n");
        Assert.Equal("a2 OK DEFLATE active", await client.ReadLineAsync());
        client.StartCompression(oneOctetPerWrite);
        return client;
    }

    [Fact]
    public async Task Compress_is_answered_by_FrontDoor_and_the_backend_reads_plain_IMAP()
    {
        const string body = "From: a@example.com\r\nSubject: hi\r\n\r\nHello\r\n";
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a3 CAPABILITY");
            await b.SendAsync("* CAPABILITY IMAP4rev1 LITERAL+ IDLE COMPRESS=DEFLATE STARTTLS\r\na3 OK done\r\n");
            await b.ExpectLineAsync("a4 FETCH 1 BODY[]");
            await b.SendAsync($"* 1 FETCH (BODY[] {{{body.Length}}}\r\n{body})\r\na4 OK done\r\n");
            await b.ExpectLineAsync("a5 APPEND INBOX {5+}");
            await b.ExpectLineAsync("12345");
            await b.SendAsync("a5 OK APPEND done\r\n");
        });
        await using var frontDoor = await StartAsync(backend);
        await using var client = await LoginAndCompressAsync(frontDoor);
        await client.SendAsync("a3 CAPABILITY\r\n");
        Assert.Equal("* CAPABILITY IMAP4rev1 LITERAL+ IDLE COMPRESS=DEFLATE", await client.ReadLineAsync());
        Assert.Equal("a3 OK done", await client.ReadLineAsync());
        await client.SendAsync("a4 FETCH 1 BODY[]\r\n");
        Assert.Equal($"* 1 FETCH (BODY[] {{{body.Length}}}", await client.ReadLineAsync());
        Assert.Equal(body, System.Text.Encoding.Latin1.GetString(await client.ReadBytesAsync(body.Length)));
        Assert.Equal(")", await client.ReadLineAsync());
        Assert.Equal("a4 OK done", await client.ReadLineAsync());
        await client.SendAsync("a5 APPEND INBOX {5+}\r\n12345\r\n");
        Assert.Equal("a5 OK APPEND done", await client.ReadLineAsync());
        await backend.Completion;
        Assert.DoesNotContain("COMPRESS", backend.Received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compressed_commands_sent_one_octet_per_write_are_relayed_exactly()
    {
        var literal = string.Concat(Enumerable.Range(0, 40).Select(i => $"line {i} of the message\r\n"));
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync($"a3 APPEND INBOX {{{literal.Length}}}");
            await b.SendAsync("+ go ahead\r\n");
            Assert.Equal(literal, System.Text.Encoding.Latin1.GetString(await b.ReadBytesAsync(literal.Length)));
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync("a3 OK APPEND done\r\n");
            await b.ExpectLineAsync("a4 NOOP");
            await b.SendAsync("a4 OK NOOP done\r\n");
        });
        await using var frontDoor = await StartAsync(backend);
        await using var client = await LoginAndCompressAsync(frontDoor, oneOctetPerWrite: true);
        await client.SendAsync($"a3 APPEND INBOX {{{literal.Length}}}\r\n");
        Assert.Equal("+ go ahead", await client.ReadLineAsync());
        await client.SendAsync(literal + "\r\n");
        Assert.Equal("a3 OK APPEND done", await client.ReadLineAsync());
        await client.SendAsync("a4 NOOP\r\n");
        Assert.Equal("a4 OK NOOP done", await client.ReadLineAsync());
        await backend.Completion;
    }

    [Fact]
    public async Task A_second_compress_and_an_unknown_mechanism_are_refused_as_RFC_4978_says()
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a6 NOOP");
            await b.SendAsync("a6 OK NOOP done\r\n");
        });
        await using var frontDoor = await StartAsync(backend);
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a0 COMPRESS DEFLATE\r\n");
        Assert.Equal("a0 BAD Log in first: COMPRESS is not valid before login", await client.ReadLineAsync());
        await client.SendAsync("a1 LOGIN alice secret\r\n");
        await client.ReadLineAsync();
        await client.SendAsync("a2 COMPRESS LZMA\r\n");
        Assert.Equal("a2 BAD Unknown compression mechanism; only DEFLATE is offered", await client.ReadLineAsync());
        await client.SendAsync("a3 COMPRESS\r\n");
        Assert.Equal("a3 BAD Unknown compression mechanism; only DEFLATE is offered", await client.ReadLineAsync());
        await client.SendAsync("a4 compress deflate\r\n");
        Assert.Equal("a4 OK DEFLATE active", await client.ReadLineAsync());
        client.StartCompression();
        await client.SendAsync("a5 COMPRESS DEFLATE\r\n");
        Assert.Equal("a5 NO [COMPRESSIONACTIVE] DEFLATE is already active", await client.ReadLineAsync());
        await client.SendAsync("a6 NOOP\r\n");
        Assert.Equal("a6 OK NOOP done", await client.ReadLineAsync());
        await backend.Completion;
        Assert.DoesNotContain("COMPRESS", backend.Received, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_listener_with_compress_off_neither_offers_nor_passes_it_on()
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync("IMAP4rev1 COMPRESS=DEFLATE");
            await b.ExpectLineAsync("a3 NOOP");
            await b.SendAsync("a3 OK NOOP done\r\n");
        });
        await using var frontDoor = await StartAsync(backend, """<listener name="imap" endpoint="127.0.0.1:0" tls="none" compress="false" />""");
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice secret\r\n");
        Assert.Equal("a1 OK [CAPABILITY IMAP4rev1] Logged in", await client.ReadLineAsync());
        await client.SendAsync("a2 COMPRESS DEFLATE\r\n");
        Assert.Equal("a2 BAD COMPRESS is not offered here", await client.ReadLineAsync());
        await client.SendAsync("a3 NOOP\r\n");
        Assert.Equal("a3 OK NOOP done", await client.ReadLineAsync());
        await backend.Completion;
    }

    [Fact]
    public async Task A_client_stream_that_does_not_inflate_ends_with_BYE_and_a_log_line_and_reaches_no_backend()
    {
        var capture = new CapturingLoggerProvider();
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await StartAsync(backend, capture: capture);
        await using var client = await LoginAndCompressAsync(frontDoor);
        await client.SendRawAsync([0xFF, 0xFF, 0xFF, 0xFF, 0x0D, 0x0A]);
        Assert.Equal("* BYE Compressed data from the client is not valid DEFLATE", await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
        await backend.Completion;
        Assert.Contains(capture.Lines, l => l.Contains("[1111]", StringComparison.Ordinal) && l.Contains("does not inflate", StringComparison.Ordinal));
        Assert.DoesNotContain("\xFF", backend.Received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deflate_bomb_is_inflated_only_up_to_the_command_line_limit()
    {
        // About 1 MiB of DEFLATE that would inflate to 1 GiB of 'A' without a line end. Made first: it takes
        // seconds, and the backend's wait for the close below is bounded.
        var bomb = DeflateBomb.Create(1L << 30);
        var capture = new CapturingLoggerProvider();
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await StartAsync(backend, capture: capture);
        await using var client = await LoginAndCompressAsync(frontDoor);
        try
        {
            await client.SendRawAsync(bomb);
        }
        catch (IOException)
        {
            // FrontDoor closed before it was all sent: what matters is what it inflated.
        }

        Assert.Equal("* BYE [TOOBIG] Command line too long", await client.ReadLineAsync());
        await backend.Completion;

        // The totals are logged as the session ends, before its connection is closed.
        Assert.True(await client.IsClosedAsync());
        var totals = Assert.Single(capture.Lines, l => l.Contains("[1112]", StringComparison.Ordinal));
        var inflated = long.Parse(totals.Split("Inflated=")[1].Split(';')[0], System.Globalization.CultureInfo.InvariantCulture);

        // The command line limit (64 KiB) plus at most one pipe read past it: never the gigabyte.
        Assert.InRange(inflated, 65536, 65536 + (2 * 65536));
    }

    [Fact]
    public async Task With_compressBackend_the_backend_leg_is_compressed_too()
    {
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync("IMAP4rev1 COMPRESS=DEFLATE");
            await b.ExpectLineAsync("fd2 COMPRESS DEFLATE");
            await b.SendAsync("fd2 OK DEFLATE active\r\n");
            b.StartCompression();
            await b.ExpectLineAsync("a2 NOOP");
            await b.SendAsync("* 3 EXISTS\r\na2 OK NOOP done\r\n");
        });
        await using var frontDoor = await StartAsync(backend, backendExtra: "compressBackend=\"true\"");
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice secret\r\n");
        Assert.Equal("a1 OK [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] Logged in", await client.ReadLineAsync());
        await client.SendAsync("a2 NOOP\r\n");
        Assert.Equal("* 3 EXISTS", await client.ReadLineAsync());
        Assert.Equal("a2 OK NOOP done", await client.ReadLineAsync());
        await backend.Completion;
    }

    [Theory]
    [InlineData("compress=\"maybe\"", "", "<listener name=\"imap\"> compress=\"maybe\"")]
    [InlineData("compressWindowBits=\"8\"", "", "<listener name=\"imap\"> compressWindowBits=\"8\": expected a whole number from 9 to 15")]
    [InlineData("compressMemLevel=\"10\"", "", "<listener name=\"imap\"> compressMemLevel=\"10\": expected a whole number from 1 to 9")]
    [InlineData("compressDictionary=\"never\"", "", "<listener name=\"imap\"> compressDictionary=\"never\": expected one of session, flush")]
    [InlineData("", "compressBackend=\"yes\"", "<backend name=\"fake\"> compressBackend=\"yes\"")]
    public async Task A_wrong_compression_setting_stops_start_up_with_one_line_naming_it(string listenerAttribute, string backendAttribute, string expected)
    {
        var error = await Assert.ThrowsAsync<FrontDoor.Core.Hooks.FrontDoorConfigurationException>(() => TestFrontDoor.StartWithListenerAsync(
            $"<listener name=\"imap\" endpoint=\"127.0.0.1:0\" tls=\"none\" {listenerAttribute} />",
            $"<backends><backend name=\"fake\" endpoint=\"127.0.0.1:9\" {backendAttribute} /></backends><routing default=\"fake\" />",
            configureHost: null));
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
