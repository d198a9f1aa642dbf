using System.Text;
using FrontDoor.Core.Hooks;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>
/// The rules the relay enforces on command and response rewriters, and what a failing hook costs: exact
/// bytes both ways, against the in-process scripted FAKE backend (<see cref="ScriptedBackend"/>), since no
/// real server can be made to trigger a given hook at a given line. The hooks are registered by the test
/// itself, so a failure names the plugin "FrontDoor.Core.Tests".
/// </summary>
public class HookRulesTests
{
    private const string Bye = "* BYE [UNAVAILABLE] FrontDoor failed to process the command; please reconnect";
    private const string ResponseBye = "* BYE [UNAVAILABLE] FrontDoor failed to process the mail server's response; please reconnect";

    private static readonly byte[] Append = "APPEND INBOX"u8.ToArray();

    private static Task<TestFrontDoor> StartAsync(ScriptedBackend backend, CapturingLoggerProvider capture, Action<IServiceCollection> hooks, string limits = "") =>
        TestFrontDoor.StartAsync(
            $"""<backends><backend name="b" endpoint="127.0.0.1:{backend.Port}" literalPlus="passthrough" /></backends><routing default="b" />{limits}""",
            string.Empty,
            WithHooks(capture, hooks));

    private static Action<IServiceCollection> WithHooks(CapturingLoggerProvider capture, Action<IServiceCollection> hooks) => services =>
    {
        services.AddSingleton<ILoggerProvider>(capture);
        hooks(services);
    };

    private static async Task<RawImapClient> LoginAsync(TestFrontDoor frontDoor, string user = "alice")
    {
        var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync($"a1 LOGIN {user} secret\r\n");
        Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        return client;
    }

    private static List<string> PluginFailures(CapturingLoggerProvider capture) =>
        [.. capture.Lines.Where(l => l.Contains("Plugin FrontDoor.Core.Tests failed in", StringComparison.Ordinal))];

    [Fact]
    public async Task A_rewritten_line_keeps_the_tag_and_the_literal_header_with_its_size()
    {
        var capture = new CapturingLoggerProvider();
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 APPEND INBOX {5}");
            await b.SendAsync("+ OK\r\n");
            Assert.Equal("hello", Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
            await b.ExpectLineAsync(" (\\Seen)");
            await b.SendAsync("a2 OK APPEND done\r\n");
        });
        await using var frontDoor = await StartAsync(backend, capture, services => services.AddSingleton<ICommandRewriter>(new CommandHook((line, _) =>
            line.IsCommandStart && line.Name.SequenceEqual("XSAVE"u8) ? CommandDecision.Rewrite(Append)
            : !line.IsCommandStart && line.Line.SequenceEqual(" FLAGS"u8) ? CommandDecision.Rewrite(" (\\Seen)")
            : CommandDecision.Forward)));
        await using var client = await LoginAsync(frontDoor);

        // "a2 XSAVE Drafts {5}": the text between the tag and the header is replaced; "{5}" stays as sent.
        await client.SendAsync("a2 XSAVE Drafts {5}\r\n");
        Assert.Equal("+ OK", await client.ReadLineAsync());
        await client.SendAsync("hello FLAGS\r\n");
        Assert.Equal("a2 OK APPEND done", await client.ReadLineAsync());
        await backend.Completion;
        Assert.Empty(PluginFailures(capture));
    }

    public static TheoryData<string, string> BrokenCommandRewrites => new()
    {
        { "LIST \"\" *\r\na3 DELETE INBOX", "holds CR or LF" },
        { "LIST \"\" *\na3 DELETE INBOX", "holds CR or LF" },
        { "LIST \"\" " + new string('x', 2000), "over maxCommandLine (1024)" },
    };

    [Theory]
    [MemberData(nameof(BrokenCommandRewrites))]
    public async Task A_rewrite_with_cr_lf_or_over_max_command_line_ends_the_session_naming_the_plugin(string replacement, string reason)
    {
        var capture = new CapturingLoggerProvider();
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await StartAsync(
            backend,
            capture,
            services => services.AddSingleton<ICommandRewriter>(new CommandHook((line, _) =>
                line.Name.SequenceEqual("XLIST"u8) ? CommandDecision.Rewrite(replacement) : CommandDecision.Forward)),
            """<limits maxCommandLine="1024" />""");
        await using var client = await LoginAsync(frontDoor);

        await client.SendAsync("a2 XLIST \"\" *\r\n");
        Assert.Equal(Bye, await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
        await backend.Completion;

        // Nothing of the line went on: the backend saw the login and nothing after it.
        Assert.DoesNotContain("a2", backend.Received, StringComparison.Ordinal);
        var failure = Assert.Single(PluginFailures(capture));
        Assert.Contains("failed in CommandHook; ending the session: ", failure, StringComparison.Ordinal);
        Assert.Contains(reason, failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_throwing_command_rewriter_ends_only_that_session()
    {
        var capture = new CapturingLoggerProvider();
        await using var other = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 NOOP");
            await b.SendAsync("a2 OK NOOP done\r\n");
        });
        await using var mallorys = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await TwoBackendsAsync(other, mallorys, capture, services =>
            services.AddSingleton<ICommandRewriter>(new CommandHook((line, session) =>
                session.User == "mallory" ? throw new InvalidOperationException("boom") : CommandDecision.Forward)));
        await using var alice = await LoginAsync(frontDoor, "alice");
        await using var mallory = await LoginAsync(frontDoor, "mallory");

        await mallory.SendAsync("a2 NOOP\r\n");
        Assert.Equal(Bye, await mallory.ReadLineAsync());
        Assert.True(await mallory.IsClosedAsync());

        await alice.SendAsync("a2 NOOP\r\n");
        Assert.Equal("a2 OK NOOP done", await alice.ReadLineAsync());
        await other.Completion;
        await mallorys.Completion;
        Assert.Contains("failed in CommandHook; ending the session: InvalidOperationException: boom", Assert.Single(PluginFailures(capture)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_throwing_response_rewriter_ends_only_that_session_and_relays_nothing_of_the_line()
    {
        var capture = new CapturingLoggerProvider();
        await using var other = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 NOOP");
            await b.SendAsync("* 3 EXISTS\r\na2 OK NOOP done\r\n");
        });
        await using var mallorys = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 NOOP");
            await b.SendAsync("* 3 EXISTS\r\na2 OK NOOP done\r\n");
            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await TwoBackendsAsync(other, mallorys, capture, services =>
            services.AddSingleton<IResponseRewriter>(new ResponseHook((line, session) =>
                session.User == "mallory" && line.Line.StartsWith("* 3 EXISTS"u8) ? throw new InvalidOperationException("boom") : ResponseDecision.Pass)));
        await using var alice = await LoginAsync(frontDoor, "alice");
        await using var mallory = await LoginAsync(frontDoor, "mallory");

        await mallory.SendAsync("a2 NOOP\r\n");
        Assert.Equal(ResponseBye, await mallory.ReadLineAsync());
        Assert.True(await mallory.IsClosedAsync());
        Assert.DoesNotContain("EXISTS", mallory.Received, StringComparison.Ordinal);

        await alice.SendAsync("a2 NOOP\r\n");
        Assert.Equal("* 3 EXISTS", await alice.ReadLineAsync());
        Assert.Equal("a2 OK NOOP done", await alice.ReadLineAsync());
        await other.Completion;
        await mallorys.Completion;
        Assert.Contains("failed in ResponseHook; ending the session: InvalidOperationException: boom", Assert.Single(PluginFailures(capture)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_untagged_line_can_be_dropped_and_a_tagged_lines_text_replaced()
    {
        var capture = new CapturingLoggerProvider();
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 SELECT INBOX");
            await b.SendAsync("* 3 EXISTS\r\n* OK [X-SECRET 42] internal\r\n* 0 RECENT\r\na2 OK [READ-WRITE] SELECT completed (0.001 secs)\r\n");
        });
        await using var frontDoor = await StartAsync(backend, capture, services => services.AddSingleton<IResponseRewriter>(new ResponseHook((line, _) =>
            line.Line.StartsWith("* OK [X-SECRET"u8) ? ResponseDecision.Drop
            : line.Kind == ResponseKind.Tagged && line.Line.StartsWith("a2 OK"u8) ? ResponseDecision.Replace("OK [READ-WRITE] Done")
            : ResponseDecision.Pass)));
        await using var client = await LoginAsync(frontDoor);

        await client.SendAsync("a2 SELECT INBOX\r\n");
        Assert.Equal(["* 3 EXISTS", "* 0 RECENT", "a2 OK [READ-WRITE] Done"], await client.ReadUntilAsync("a2 "));
        await backend.Completion;
        Assert.Empty(PluginFailures(capture));
    }

    [Fact]
    public async Task Dropping_a_tagged_line_is_refused_and_ends_the_session()
    {
        var capture = new CapturingLoggerProvider();
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 NOOP");
            await b.SendAsync("a2 OK NOOP done\r\n");
            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await StartAsync(backend, capture, services => services.AddSingleton<IResponseRewriter>(new ResponseHook((line, _) =>
            line.Kind == ResponseKind.Tagged ? ResponseDecision.Drop : ResponseDecision.Pass)));
        await using var client = await LoginAsync(frontDoor);

        await client.SendAsync("a2 NOOP\r\n");
        Assert.Equal(ResponseBye, await client.ReadLineAsync());
        await backend.Completion;
        Assert.Contains("only a whole one-line untagged response may be dropped", Assert.Single(PluginFailures(capture)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_response_replacement_holding_a_line_break_ends_the_session()
    {
        var capture = new CapturingLoggerProvider();
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 NOOP");
            await b.SendAsync("* 3 EXISTS\r\na2 OK NOOP done\r\n");
            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await StartAsync(backend, capture, services => services.AddSingleton<IResponseRewriter>(new ResponseHook((line, _) =>
            line.Line.StartsWith("* 3 EXISTS"u8) ? ResponseDecision.Replace("* 3 EXISTS\r\na2 OK forged") : ResponseDecision.Pass)));
        await using var client = await LoginAsync(frontDoor);

        await client.SendAsync("a2 NOOP\r\n");
        Assert.Equal(ResponseBye, await client.ReadLineAsync());
        Assert.DoesNotContain("forged", client.Received, StringComparison.Ordinal);
        await backend.Completion;
        Assert.Contains("the replacement holds CR or LF", Assert.Single(PluginFailures(capture)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_capability_filter_that_throws_at_login_ends_that_session_naming_the_plugin()
    {
        var capture = new CapturingLoggerProvider();
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await StartAsync(backend, capture, services => services.AddSingleton<ICapabilityFilter>(new CapabilityHook((_, context) =>
        {
            if (context.Stage == CapabilityStage.PostAuth)
            {
                throw new InvalidOperationException("boom");
            }
        })));
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice secret\r\n");
        Assert.Equal(Bye, await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());

        // The backend connection made for the login is closed, not left behind.
        await backend.Completion;
        Assert.Contains("failed in CapabilityHook; ending the session: InvalidOperationException: boom", Assert.Single(PluginFailures(capture)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rewriters_run_in_ascending_order_then_registration_order_each_seeing_the_line_before_left_it()
    {
        var capture = new CapturingLoggerProvider();
        var seenByPlugin = string.Empty;
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 CAPABILITY first second last");
            await b.SendAsync("* CAPABILITY IMAP4rev1 STARTTLS IDLE\r\na2 OK done\r\n");
        });
        await using var frontDoor = await StartAsync(backend, capture, services =>
        {
            services.AddSingleton<ICommandRewriter>(new OrderedAppend(" last", order: 5));
            services.AddSingleton<ICommandRewriter>(new OrderedAppend(" first", order: 0));
            services.AddSingleton<ICommandRewriter>(new OrderedAppend(" second", order: 0));

            // Core's capability rewriter runs before any plugin's response rewriter: STARTTLS is gone already.
            services.AddSingleton<IResponseRewriter>(new ResponseHook((line, _) =>
            {
                if (line.Line.StartsWith("* CAPABILITY"u8))
                {
                    seenByPlugin = Encoding.ASCII.GetString(line.Line);
                }

                return ResponseDecision.Pass;
            }));
        });
        await using var client = await LoginAsync(frontDoor);

        await client.SendAsync("a2 CAPABILITY\r\n");
        Assert.Equal(["* CAPABILITY IMAP4rev1 IDLE", "a2 OK done"], await client.ReadUntilAsync("a2 "));
        await backend.Completion;
        Assert.Equal("* CAPABILITY IMAP4rev1 IDLE", seenByPlugin);
    }

    /// <summary>Appends a word to the command's text: the order of the words is the order the rewriters ran in.</summary>
    private sealed class OrderedAppend(string word, int order) : ICommandRewriter
    {
        public int Order => order;

        public CommandDecision Inspect(CommandLine line, SessionContext session) =>
            CommandDecision.Rewrite(Encoding.ASCII.GetString(line.Line[(line.Tag.Length + 1)..]) + word);
    }

    private static Task<TestFrontDoor> TwoBackendsAsync(ScriptedBackend other, ScriptedBackend mallorys, CapturingLoggerProvider capture, Action<IServiceCollection> hooks) =>
        TestFrontDoor.StartAsync(
            $"""
            <backends>
              <backend name="other" endpoint="127.0.0.1:{other.Port}" literalPlus="passthrough" />
              <backend name="mallorys" endpoint="127.0.0.1:{mallorys.Port}" literalPlus="passthrough" />
            </backends>
            <routing default="other"><route user="mallory" backend="mallorys" /></routing>
            """,
            string.Empty,
            WithHooks(capture, hooks));
}
