using FrontDoor.Core.Hooks;
using FrontDoor.Core.Sessions;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>
/// A large literal from the backend between two plain sockets goes from socket to socket through a kernel
/// pipe (Linux's splice(2), <see cref="LiteralSplicer"/>): over real loopback sockets, with the scripted FAKE
/// backend for the faults (a close, a stall inside the literal) that no real server shows on demand.
/// </summary>
public class LiteralSpliceTests
{
    private const int LiteralSize = 4 * 1024 * 1024;

    [Fact]
    public async Task A_large_literal_arrives_byte_exact_and_counted_with_the_lines_around_it()
    {
        var literal = Pattern(LiteralSize);
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 FETCH 1 BODY[]");
            await b.SendAsync($"* 1 FETCH (BODY[] {{{LiteralSize}}}\r\n");

            // In pieces with pauses, so the splice runs dry and waits for the backend between them.
            for (var sent = 0; sent < LiteralSize - 4096; sent += 512 * 1024)
            {
                await b.SendAsync(literal[sent..Math.Min(sent + (512 * 1024), LiteralSize - 4096)]);
                await Task.Delay(20);
            }

            // The literal's last octets, its line's tail and the next response in one write.
            await b.SendAsync([.. literal[^4096..], .. " FLAGS (\\Seen))\r\na2 OK Fetch completed\r\n"u8]);
            await b.ExpectLineAsync("a3 NOOP");
            await b.SendAsync("a3 OK NOOP completed\r\n");
            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await StartAsync(backend);
        await using var client = await frontDoor.ConnectAsync();
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice secret\r\n");
        Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        var counters = frontDoor.Services.GetRequiredService<RelayCounters>().For("b");
        var before = counters.BytesToClient;

        await client.SendAsync("a2 FETCH 1 BODY[]\r\n");
        var header = await client.ReadLineAsync();
        Assert.Equal($"* 1 FETCH (BODY[] {{{LiteralSize}}}", header);
        Assert.Equal(literal, await client.ReadBytesAsync(LiteralSize));
        Assert.Equal(" FLAGS (\\Seen))", await client.ReadLineAsync());
        Assert.Equal("a2 OK Fetch completed", await client.ReadLineAsync());

        // Every octet of the response counted once, spliced or not; and the session goes on as usual.
        var response = header!.Length + 2 + LiteralSize + " FLAGS (\\Seen))\r\na2 OK Fetch completed\r\n".Length;
        Assert.Equal(response, counters.BytesToClient - before);
        Assert.InRange(counters.SplicedToClient, LiteralSize / 2, LiteralSize);

        await client.SendAsync("a3 NOOP\r\n");
        Assert.Equal("a3 OK NOOP completed", await client.ReadLineAsync());
    }

    [Fact]
    public async Task The_backend_closing_inside_a_spliced_literal_ends_the_session_without_a_bye()
    {
        var literal = Pattern(LiteralSize);
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 FETCH 1 BODY[]");
            await b.SendAsync($"* 1 FETCH (BODY[] {{{LiteralSize}}}\r\n");
            await b.SendAsync(literal[..(LiteralSize / 4)]);
            await Task.Delay(50);
            await b.SendAsync(literal[(LiteralSize / 4)..(LiteralSize / 2)]);
            await b.DisposeAsync();
        });
        await using var frontDoor = await StartAsync(backend);
        await using var client = await frontDoor.ConnectAsync();
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice secret\r\na2 FETCH 1 BODY[]\r\n");
        Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal($"* 1 FETCH (BODY[] {{{LiteralSize}}}", await client.ReadLineAsync());

        // What the backend sent arrives; then the close, with no BYE inside the literal (it would be read as message data).
        Assert.Equal(literal[..(LiteralSize / 2)], await client.ReadBytesAsync(LiteralSize / 2));
        Assert.True(await client.IsClosedAsync());
        Assert.DoesNotContain("BYE", client.Received[^100..], StringComparison.Ordinal);
        Assert.True(frontDoor.Services.GetRequiredService<RelayCounters>().For("b").SplicedToClient > 0);
        Assert.Empty(frontDoor.Services.GetRequiredService<ISessionRegistry>().Find());
    }

    [Fact]
    public async Task A_kick_while_a_spliced_literal_waits_for_the_backend_ends_the_session()
    {
        var literal = Pattern(LiteralSize);
        var kicked = new TaskCompletionSource();
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 FETCH 1 BODY[]");
            await b.SendAsync($"* 1 FETCH (BODY[] {{{LiteralSize}}}\r\n");
            await b.SendAsync(literal[..(LiteralSize / 2)]);

            // The backend stalls inside the literal; FrontDoor's kick has to end the wait, not the backend.
            await kicked.Task;
            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await StartAsync(backend);
        await using var client = await frontDoor.ConnectAsync();
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice secret\r\na2 FETCH 1 BODY[]\r\n");
        Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.ReadLineAsync();
        Assert.Equal(literal[..(LiteralSize / 2)], await client.ReadBytesAsync(LiteralSize / 2));

        Assert.True(frontDoor.Services.GetRequiredService<RelayCounters>().For("b").SplicedToClient > 0);
        var registry = frontDoor.Services.GetRequiredService<ISessionRegistry>();
        Assert.Equal(1, await registry.KickAsync(_ => true, "maintenance"));
        kicked.SetResult();
        Assert.True(await client.IsClosedAsync());
        await backend.Completion;
        Assert.Empty(registry.Find());
    }

    [Fact]
    public async Task A_client_that_goes_away_inside_a_spliced_fetch_ends_only_its_session()
    {
        var literal = Pattern(LiteralSize);
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 FETCH 1 BODY[]");
            await b.SendAsync($"* 1 FETCH (BODY[] {{{LiteralSize}}}\r\n");
            try
            {
                for (var sent = 0; sent < LiteralSize; sent += 256 * 1024)
                {
                    await b.SendAsync(literal[sent..(sent + (256 * 1024))]);
                    await Task.Delay(10);
                }
            }
            catch (IOException)
            {
                // FrontDoor closed this connection when its client went: what the test waits for.
            }

            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await StartAsync(backend);
        var client = await frontDoor.ConnectAsync();
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice secret\r\na2 FETCH 1 BODY[]\r\n");
        Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.ReadLineAsync();
        await client.ReadBytesAsync(LiteralSize / 4);
        await client.DisposeAsync();

        // The splice's send fails (EPIPE or a reset): the session ends as a client close, FrontDoor goes on.
        await backend.Completion;
        Assert.True(frontDoor.Services.GetRequiredService<RelayCounters>().For("b").SplicedToClient > 0);
        await using var next = await frontDoor.ConnectAsync();
        Assert.StartsWith("* OK", await next.ReadLineAsync(), StringComparison.Ordinal);
    }

    private static Task<TestFrontDoor> StartAsync(ScriptedBackend backend) =>
        TestFrontDoor.StartAsync($"""<backends><backend name="b" endpoint="{backend.Address}" /></backends><routing default="b" />""");

    /// <summary>Octets that are not all alike, so a lost, repeated or reordered block shows.</summary>
    private static byte[] Pattern(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return bytes;
    }
}
