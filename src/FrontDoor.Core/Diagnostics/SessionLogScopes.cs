using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Diagnostics;

/// <summary>
/// The logging's scopes, with the session a line is written in as the outermost: every line written in a
/// session's flow (FrontDoor's, a plugin's, a library's) carries the session's id, as it would inside a
/// <c>BeginScope</c> at the session's start, for less. <see cref="Enter"/> sets one async-local value (an
/// execution context and its one-value map, 72 B, held by every idle session's awaits), where a scope pushed
/// through the logger factory also made the scope's node and its message's values (80 B more per session,
/// live for the session; bench/README.md, garbage per login). Other scopes are kept as the logger factory's
/// own provider keeps them. Registered as the host's <see cref="IExternalScopeProvider"/>, which the logger
/// factory hands to every provider that shows scopes.
/// </summary>
internal sealed class SessionLogScopes : IExternalScopeProvider
{
    private static readonly AsyncLocal<object?> Session = new();

    private readonly LoggerExternalScopeProvider _others = new();

    /// <summary>
    /// Makes <paramref name="scope"/> the session scope of the calling flow: of the rest of the calling async
    /// method and of what it starts (an async method's caller does not see it). Its <c>ToString</c> is the
    /// scope's text and its pairs are the structured values, as a <see cref="LoggerMessage.DefineScope{T1}"/>
    /// scope's are.
    /// </summary>
    public static void Enter(IReadOnlyList<KeyValuePair<string, object?>> scope) => Session.Value = scope;

    public void ForEachScope<TState>(Action<object?, TState> callback, TState state)
    {
        if (Session.Value is { } session)
        {
            callback(session, state);
        }

        _others.ForEachScope(callback, state);
    }

    public IDisposable Push(object? state) => _others.Push(state);
}
