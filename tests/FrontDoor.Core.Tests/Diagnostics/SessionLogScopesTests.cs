using System.Net;
using FrontDoor.Core.Backends;
using FrontDoor.Core.Diagnostics;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

#pragma warning disable CA1848 // A test's few lines: which logger call writes them is not what is tested.

namespace FrontDoor.Core.Tests.Diagnostics;

/// <summary>
/// The session's id on every line of its flow without a scope pushed per session: through a logger factory
/// made as the host makes it (dependency injection takes the registered scope provider).
/// </summary>
public class SessionLogScopesTests
{
    [Fact]
    public async Task Lines_of_any_category_in_the_sessions_flow_carry_its_id_first_and_lines_outside_do_not()
    {
        var capture = new CapturingLoggerProvider();
        await using var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Debug))
            .AddSingleton<ILoggerProvider>(capture)
            .AddSingleton<IExternalScopeProvider, SessionLogScopes>()
            .BuildServiceProvider();
        var factory = services.GetRequiredService<ILoggerFactory>();
        var session = factory.CreateLogger("Session");
        var plugin = factory.CreateLogger("Plugin");

        await RunSessionAsync(new ClientOrigin(null, (IPEndPoint?)null, "0123456789ab"), session, plugin);
        session.LogInformation("after");

        var lines = capture.Lines.ToList();
        Assert.Matches(@"^Information Session\[0\] session 0123456789ab before the first await ", lines[0]);
        Assert.Matches(@"^Information Plugin\[0\] session 0123456789ab => lookup alice after an await ", lines[1]);
        Assert.Matches(@"^Information Session\[0\] session 0123456789ab at the end ", lines[2]);

        // The caller of the session's async method never was in it.
        Assert.Matches(@"^Information Session\[0\]  after ", lines[3]);
        Assert.Equal(4, lines.Count);
    }

    [Fact]
    public void The_scope_gives_the_text_and_the_values_a_defined_scope_gives()
    {
        var origin = new ClientOrigin(null, (IPEndPoint?)null, "0123456789ab");
        IReadOnlyList<KeyValuePair<string, object?>> defined = (IReadOnlyList<KeyValuePair<string, object?>>)CapturedScope();

        Assert.Equal(defined.ToString(), origin.ToString());
        Assert.Equal(defined, (IReadOnlyList<KeyValuePair<string, object?>>)origin);
    }

    private static object CapturedScope()
    {
        object? captured = null;
        var scopes = new LoggerExternalScopeProvider();
        using (LoggerMessage.DefineScope<string>("session {SessionId}")(new ScopeLogger(scopes), "0123456789ab"))
        {
            scopes.ForEachScope((scope, _) => captured = scope, 0);
        }

        return captured!;
    }

    private static async Task RunSessionAsync(ClientOrigin origin, ILogger session, ILogger plugin)
    {
        SessionLogScopes.Enter(origin);
        session.LogInformation("before the first await");
        await Task.Yield();
        using (plugin.BeginScope("lookup {User}", "alice"))
        {
            plugin.LogInformation("after an await");
        }

        await Task.Run(() => session.LogInformation("at the end"));
    }

    private sealed class ScopeLogger(IExternalScopeProvider scopes) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
