using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>Exactly one log event per session end, with its cause and the session id.</summary>
public class SessionEndLogTests
{
    [Fact]
    public async Task Each_session_ends_with_one_event_naming_its_cause()
    {
        var capture = new CapturingLoggerProvider();
        await using var backend = ScriptedBackend.Start(async (b, index) =>
        {
            await b.GreetAndLoginAsync();
            if (index == 0)
            {
                await b.DisposeAsync();
            }
            else if (index == 1)
            {
                await b.IsClosedAsync();
            }
            else
            {
                await b.ExpectLineAsync("a2 LOGOUT");
                await b.SendAsync("* BYE Logging out\r\na2 OK Logout completed.\r\n");
                await b.DisposeAsync();
            }
        }, connections: 3);
        await using (var frontDoor = await TestFrontDoor.StartAsync(
            $"""<backends><backend name="b" endpoint="127.0.0.1:{backend.Port}" /></backends><routing default="b" />""",
            string.Empty,
            services => services.AddSingleton<ILoggerProvider>(capture),
            "--Logging:LogLevel:Default", "Debug"))
        {
            // Backend closes under the first; the second client closes; the third logs out before login.
            await using (var first = await RawImapClient.ConnectAsync(frontDoor.Endpoint))
            {
                await first.ReadLineAsync();
                await first.SendAsync("a1 LOGIN alice secret\r\n");
                await first.ReadLineAsync();
                Assert.StartsWith("* BYE [UNAVAILABLE]", await first.ReadLineAsync(), StringComparison.Ordinal);
            }

            await using (var second = await RawImapClient.ConnectAsync(frontDoor.Endpoint))
            {
                await second.ReadLineAsync();
                await second.SendAsync("a1 LOGIN alice secret\r\n");
                await second.ReadLineAsync();
            }

            await using (var third = await RawImapClient.ConnectAsync(frontDoor.Endpoint))
            {
                await third.ReadLineAsync();
                await third.SendAsync("a1 LOGOUT\r\n");
                await third.ReadUntilAsync("a1 ");
            }

            await using (var fourth = await RawImapClient.ConnectAsync(frontDoor.Endpoint))
            {
                await fourth.ReadLineAsync();
                await fourth.SendAsync("a1 LOGIN alice secret\r\n");
                await fourth.ReadLineAsync();
                await fourth.SendAsync("a2 LOGOUT\r\n");
                await fourth.ReadUntilAsync("a2 ");
                Assert.True(await fourth.IsClosedAsync());
            }

            await backend.Completion;
            for (var wait = 0; wait < 50 && capture.Lines.Count(l => l.Contains("[1006]", StringComparison.Ordinal)) < 4; wait++)
            {
                await Task.Delay(100);
            }
        }

        var ends = capture.Lines.Where(l => l.Contains("[1006]", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, ends.Count);
        Assert.All(ends, l => Assert.Matches("session [0-9a-f]{12}", l));
        Assert.Single(ends, l => l.Contains("End=BackendClosed", StringComparison.Ordinal));
        Assert.Single(ends, l => l.Contains("End=ClientClosed", StringComparison.Ordinal));
        Assert.Equal(2, ends.Count(l => l.Contains("End=ClientLoggedOut", StringComparison.Ordinal)));

        // The third never tried to log in: a probe (a balancer's check), logged at Debug; the others at Information.
        Assert.Single(ends, l => l.StartsWith("Debug ", StringComparison.Ordinal));
        Assert.Equal(3, ends.Count(l => l.StartsWith("Information ", StringComparison.Ordinal)));
    }
}
