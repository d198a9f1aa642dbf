using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>The post-login autologout timer, on a fake clock: silence ends a session, any traffic (IDLE's keep-alives too) keeps it.</summary>
public class IdleTimeoutTests
{
    [Fact]
    public async Task Silence_for_the_idle_timeout_ends_the_session_and_traffic_keeps_it()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var keepAliveSent = new TaskCompletionSource();
        var sendKeepAlive = new TaskCompletionSource();
        await using var backend = ScriptedBackend.Start(async b =>
        {
            await b.GreetAndLoginAsync();
            await b.ExpectLineAsync("a2 IDLE");
            await b.SendAsync("+ idling\r\n");
            await sendKeepAlive.Task;
            await b.SendAsync("* OK Still here\r\n");
            keepAliveSent.SetResult();
            await b.ExpectLineAsync("DONE");
            await b.SendAsync("a2 OK IDLE terminated\r\n");
            Assert.True(await b.IsClosedAsync());
        });
        await using var frontDoor = await TestFrontDoor.StartAsync(
            $"""<backends><backend name="b" endpoint="127.0.0.1:{backend.Port}" idleTimeout="1800" /></backends><routing default="b" />""",
            string.Empty,
            services => services.AddSingleton<TimeProvider>(clock));
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);
        await client.ReadLineAsync();
        await client.SendAsync("a1 LOGIN alice secret\r\na2 IDLE\r\n");
        Assert.StartsWith("a1 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal("+ idling", await client.ReadLineAsync());

        // 20 minutes of silence, then the server's keep-alive, then 20 more: 40 in all, never 30 silent.
        clock.Advance(TimeSpan.FromMinutes(20));
        sendKeepAlive.SetResult();
        await keepAliveSent.Task;
        Assert.Equal("* OK Still here", await client.ReadLineAsync());
        clock.Advance(TimeSpan.FromMinutes(20));

        // 40 minutes after login the session is still there: it answers.
        await client.SendAsync("DONE\r\n");
        Assert.Equal("a2 OK IDLE terminated", await client.ReadLineAsync());

        // Then silence, minute by minute as a real clock passes it: the autologout comes (the sweep runs
        // every second, so at 30 silent minutes).
        for (var minute = 0; minute < 40; minute++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal("* BYE Autologout; idle for too long", await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
        await backend.Completion;
    }
}
