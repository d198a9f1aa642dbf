using System.Net;
using FrontDoor.Core.Hooks;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>
/// <see cref="ICapabilityFilter.Filters"/>: a filter is called only at the stages it asks for, and one that
/// asks for every stage still rewrites each session's lists from that session's own context. Against the
/// in-process scripted FAKE backend (<see cref="ScriptedBackend"/>), as the other hook tests.
/// </summary>
public class CapabilityStageTests
{
    /// <summary>Records the stages it is called at; adds a token naming the client's port, at the stages it asks for.</summary>
    private sealed class StagedFilter(Func<CapabilityStage, bool> wants) : ICapabilityFilter
    {
        public List<CapabilityStage> Calls { get; } = [];

        public bool Filters(CapabilityStage stage) => wants(stage);

        public void Filter(CapabilitySet capabilities, CapabilityContext context)
        {
            lock (Calls)
            {
                Calls.Add(context.Stage);
            }

            capabilities.Add($"X-PORT-{context.ClientAddress?.Port}");
        }
    }

    private static Task<TestFrontDoor> StartAsync(ScriptedBackend backend, params ICapabilityFilter[] filters) =>
        TestFrontDoor.StartAsync(TestTransport.InMemory,
            $"""<backends><backend name="b" endpoint="{backend.Address}" /></backends><routing default="b" />""",
            string.Empty,
            services =>
            {
                foreach (var filter in filters)
                {
                    services.AddSingleton(filter);
                }
            });

    [Fact]
    public async Task A_filter_that_wants_only_the_logged_in_stage_is_not_called_before_login()
    {
        await using var backend = ScriptedBackend.InMemory(b => b.GreetAndLoginAsync());
        var postAuthOnly = new StagedFilter(stage => stage == CapabilityStage.PostAuth);
        await using var frontDoor = await StartAsync(backend, postAuthOnly);
        await using var client = await frontDoor.ConnectAsync();

        var greeting = await client.ReadLineAsync();
        await client.SendAsync("a0 CAPABILITY\r\n");
        var preAuth = await client.ReadLineAsync();
        Assert.StartsWith("a0 OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.SendAsync("a1 LOGIN alice secret\r\n");
        var loggedIn = await client.ReadLineAsync();

        Assert.DoesNotContain("X-PORT-", greeting, StringComparison.Ordinal);
        Assert.DoesNotContain("X-PORT-", preAuth, StringComparison.Ordinal);
        Assert.StartsWith("a1 OK [CAPABILITY ", loggedIn, StringComparison.Ordinal);
        Assert.Contains("X-PORT-", loggedIn, StringComparison.Ordinal);
        Assert.Equal([CapabilityStage.PostAuth], postAuthOnly.Calls);
    }

    [Fact]
    public async Task A_filter_for_every_stage_rewrites_each_sessions_greeting_from_that_sessions_own_context()
    {
        await using var backend = ScriptedBackend.InMemory(_ => Task.CompletedTask);
        var everyStage = new StagedFilter(_ => true);
        await using var frontDoor = await StartAsync(backend, everyStage);
        await using var first = await frontDoor.ConnectAsync(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 40001));
        var firstGreeting = await first.ReadLineAsync();
        await using var second = await frontDoor.ConnectAsync(new IPEndPoint(IPAddress.Parse("192.0.2.2"), 40002));
        var secondGreeting = await second.ReadLineAsync();
        await first.SendAsync("a0 CAPABILITY\r\n");
        var firstPreAuth = await first.ReadLineAsync();

        const string firstToken = "X-PORT-40001";
        const string secondToken = "X-PORT-40002";
        Assert.Contains(firstToken, firstGreeting, StringComparison.Ordinal);
        Assert.DoesNotContain(secondToken, firstGreeting, StringComparison.Ordinal);
        Assert.Contains(secondToken, secondGreeting, StringComparison.Ordinal);
        Assert.DoesNotContain(firstToken, secondGreeting, StringComparison.Ordinal);
        Assert.Contains(firstToken, firstPreAuth, StringComparison.Ordinal);
        Assert.Equal([CapabilityStage.Greeting, CapabilityStage.Greeting, CapabilityStage.PreAuth], everyStage.Calls);
    }
}
