using System.Runtime.Versioning;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Hosting;
using FrontDoor.Core.Protocol.Events;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FrontDoor.Core.Tests.Hosting;

/// <summary>
/// A login's hand-offs run on the socket loops (the accepted connection, a parked connection's wake), over
/// real loopback TCP: the session starts on a loop, and a hook that awaits there stalls no other connection.
/// </summary>
[SupportedOSPlatform("linux")]
public class LoopHandOffTests
{
    private const string NoBackend = """<backends><backend name="b" endpoint="127.0.0.1:9" /></backends><routing default="b" />""";

    [Fact]
    public async Task A_parked_connections_session_starts_on_a_socket_loop_and_an_awaiting_hook_there_stalls_no_one()
    {
        var router = new GatedRouter();
        await using var frontDoor = await TestFrontDoor.StartAsync(NoBackend, string.Empty, services => services.AddSingleton<IBackendRouter>(router));
        var listeners = frontDoor.Services.GetRequiredService<ListenerService>();

        await using var slow = await frontDoor.ConnectAsync();
        Assert.StartsWith("* OK", await slow.ReadLineAsync(), StringComparison.Ordinal);
        await UntilAsync(() => listeners.ParkedConnections == 1);
        await slow.SendAsync("a1 LOGIN slow secret\r\n");
        Assert.NotNull(await router.Asked.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        // The router awaits on the loop its session was handed to; more connections than loops are greeted,
        // parked, handed back and answered meanwhile.
        for (var i = 0; i < 2 * Environment.ProcessorCount + 2; i++)
        {
            await using var other = await frontDoor.ConnectAsync();
            Assert.StartsWith("* OK", await other.ReadLineAsync(), StringComparison.Ordinal);
            await other.SendAsync("b1 NOOP\r\n");
            Assert.Equal("b1 OK NOOP completed", await other.ReadLineAsync());
        }

        router.Gate.SetResult();

        // Routed to a backend that refuses: the login is answered, not lost.
        Assert.StartsWith("a1 NO", await slow.ReadLineAsync(), StringComparison.Ordinal);
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 20)
        {
            Assert.True(waited < 10_000, "the condition did not come true");
            await Task.Delay(20);
        }
    }

    /// <summary>Routes "slow" only once the test opens the gate, and says which loop asked (null: no loop's thread).</summary>
    private sealed class GatedRouter : IBackendRouter
    {
        public TaskCompletionSource<SocketEventLoop?> Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // Before the configured routing, whose default route claims every user.
        public int Order => int.MinValue;

        public async ValueTask<RouteResult> RouteAsync(RouteRequest request, CancellationToken cancellationToken)
        {
            if (request.User != "slow")
            {
                return RouteResult.NotMine;
            }

            Asked.TrySetResult(SocketEventLoop.Current);
            await Gate.Task.WaitAsync(cancellationToken);
            return RouteResult.To("b");
        }
    }
}
