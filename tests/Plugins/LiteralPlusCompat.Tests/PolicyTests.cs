using System.Text;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.Plugins.LiteralPlusCompat.Tests;

/// <summary>What is advertised and what is converted with each setting (README, "LITERAL+ and legacy backends").</summary>
public class PolicyTests
{
    private const string DisableLiteralPlus = "<add key=\"DisableLiteralPlus\" value=\"true\" />";

    private static async Task<string> GreetingAsync(string appSettings)
    {
        await using var frontDoor = await TestFrontDoor.StartAsync(
            "<backends><backend name=\"b\" endpoint=\"127.0.0.1:9\" /></backends><routing default=\"b\" />", appSettings);
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        var greeting = await client.ReadLineAsync();
        await client.SendAsync("a1 CAPABILITY\r\n");
        var capability = await client.ReadLineAsync();
        return greeting + "\n" + capability;
    }

    [Fact]
    public async Task Before_login_literal_plus_is_offered_unless_disabled()
    {
        Assert.Equal(
            "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID LITERAL+ AUTH=PLAIN AUTH=LOGIN] FrontDoor IMAP proxy ready\n* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID LITERAL+ AUTH=PLAIN AUTH=LOGIN",
            await GreetingAsync(string.Empty));
        Assert.Equal(
            "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID AUTH=PLAIN AUTH=LOGIN] FrontDoor IMAP proxy ready\n* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID AUTH=PLAIN AUTH=LOGIN",
            await GreetingAsync(DisableLiteralPlus));
    }

    /// <summary>Logs in through FrontDoor to a fake backend that advertises <paramref name="capabilities"/>, sends one APPEND of <paramref name="size"/> octets as {N+}, and reports what the client saw and how the backend got the literal.</summary>
    private static async Task<(string LoginOk, string BackendLine)> AppendAsync(string capabilities, string attributes, string appSettings, int size)
    {
        string? backendLine = null;
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync(capabilities);
            backendLine = await b.ReadLineAsync();
            if (backendLine!.EndsWith('}') && !backendLine.EndsWith("+}", StringComparison.Ordinal))
            {
                await b.SendAsync("+ OK\r\n");
            }

            await b.ReadBytesAsync(size);
            await b.ExpectLineAsync(string.Empty);
            await b.SendAsync("A1 OK APPEND completed\r\n");
        });
        await using var frontDoor = await TestFrontDoor.StartAsync(
            $"<backends><backend name=\"b\" endpoint=\"127.0.0.1:{backend.Port}\" {attributes} /></backends><routing default=\"b\" />", appSettings);
        var (client, loginOk) = await LegacyWire.LoginAsync(frontDoor);
        await using (client)
        {
            await client.SendAsync($"A1 APPEND INBOX {{{size}+}}\r\n{new string('m', size)}\r\n");
            Assert.Equal("A1 OK APPEND completed", await client.ReadLineAsync());
        }

        await backend.Completion;
        return (loginOk, backendLine!);
    }

    [Fact]
    public async Task Auto_passes_literals_to_a_backend_that_advertises_literal_plus()
    {
        var (ok, line) = await AppendAsync("IMAP4rev1 LITERAL+ IDLE", "literalPlus=\"auto\"", string.Empty, 10_000);
        Assert.Equal("L1 OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] Logged in", ok);
        Assert.Equal("A1 APPEND INBOX {10000+}", line);
    }

    [Fact]
    public async Task Auto_synchronizes_for_a_backend_without_literal_plus_and_hides_it()
    {
        var (ok, line) = await AppendAsync("IMAP4rev1 IDLE", string.Empty, string.Empty, 10);
        Assert.Equal("L1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in", ok);
        Assert.Equal("A1 APPEND INBOX {10}", line);
    }

    [Theory]
    [InlineData(4096, "A1 APPEND INBOX {4096+}")]
    [InlineData(4097, "A1 APPEND INBOX {4097}")]
    public async Task Auto_with_a_literal_minus_backend_synchronizes_only_above_4096_octets(int size, string expected)
    {
        var (ok, line) = await AppendAsync("IMAP4rev1 LITERAL- IDLE", string.Empty, string.Empty, size);
        Assert.Equal("L1 OK [CAPABILITY IMAP4rev1 LITERAL- IDLE] Logged in", ok);
        Assert.Equal(expected, line);
    }

    [Fact]
    public async Task Synchronize_converts_even_when_the_backend_advertises_literal_plus()
    {
        var (ok, line) = await AppendAsync("IMAP4rev2 IMAP4rev1 LITERAL+ IDLE", "literalPlus=\"synchronize\"", string.Empty, 10);
        Assert.Equal("L1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in", ok);
        Assert.Equal("A1 APPEND INBOX {10}", line);
    }

    [Fact]
    public async Task Passthrough_relays_literals_as_sent()
    {
        var (ok, line) = await AppendAsync("IMAP4rev1 IDLE", "literalPlus=\"passthrough\"", string.Empty, 10);
        Assert.Equal("L1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in", ok);
        Assert.Equal("A1 APPEND INBOX {10+}", line);
    }

    [Fact]
    public async Task Advertise_keeps_literal_plus_for_clients_and_synchronizes_for_the_backend()
    {
        var (ok, line) = await AppendAsync("IMAP4rev1 LITERAL- IDLE", "literalPlus=\"synchronize\" advertiseLiteralPlus=\"true\"", string.Empty, 10);
        Assert.Equal("L1 OK [CAPABILITY IMAP4rev1 IDLE LITERAL+] Logged in", ok);
        Assert.Equal("A1 APPEND INBOX {10}", line);
    }

    [Fact]
    public async Task DisableLiteralPlus_hides_it_and_synchronizes_for_every_backend()
    {
        var (ok, line) = await AppendAsync("IMAP4rev2 IMAP4rev1 LITERAL+ IDLE", "literalPlus=\"passthrough\"", DisableLiteralPlus, 10);
        Assert.Equal("L1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in", ok);
        Assert.Equal("A1 APPEND INBOX {10}", line);
    }

    [Fact]
    public async Task Without_the_plugin_literals_are_relayed_untouched()
    {
        // A plugin folder with the router only: FrontDoor is then a plain relay.
        var plugins = Directory.CreateTempSubdirectory("frontdoor-plugins-").FullName;
        try
        {
            RepoPaths.CopyDirectory(Path.Combine(RepoPaths.PluginDirectory, "BackendRouting"), Path.Combine(plugins, "BackendRouting"));
            string? line = null;
            await using var backend = ScriptedBackend.Start(async b =>
            {
                await b.GreetAndLoginAsync("IMAP4rev1 IDLE");
                line = await b.ReadLineAsync();
                Assert.Equal("hello", Encoding.ASCII.GetString(await b.ReadBytesAsync(5)));
                await b.ExpectLineAsync(string.Empty);
                await b.SendAsync("A1 OK APPEND completed\r\n");
            });
            await using var frontDoor = await TestFrontDoor.StartAsync(
                $"<backends><backend name=\"b\" endpoint=\"127.0.0.1:{backend.Port}\" /></backends><routing default=\"b\" />",
                string.Empty,
                "--frontDoor:plugins:directory", plugins);
            var (client, _) = await LegacyWire.LoginAsync(frontDoor);
            await using (client)
            {
                await client.SendAsync("A1 APPEND INBOX {5+}\r\nhello\r\n");
                Assert.Equal("A1 OK APPEND completed", await client.ReadLineAsync());
            }

            await backend.Completion;
            Assert.Equal("A1 APPEND INBOX {5+}", line);
        }
        finally
        {
            Directory.Delete(plugins, recursive: true);
        }
    }

    [Fact]
    public async Task A_bad_policy_value_stops_start_up_naming_the_element()
    {
        var error = await Assert.ThrowsAsync<FrontDoor.Core.Hooks.FrontDoorConfigurationException>(() => TestFrontDoor.StartAsync(
            "<backends><backend name=\"b\" endpoint=\"127.0.0.1:9\" literalPlus=\"sometimes\" /></backends><routing default=\"b\" />"));
        Assert.Equal("<backend name=\"b\"> literalPlus=\"sometimes\": expected one of auto, synchronize, passthrough", error.Message);
    }
}
