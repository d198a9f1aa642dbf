using FrontDoor.Core.Hooks;

namespace FrontDoor.Plugins.LiteralPlusCompat;

/// <summary>
/// Asks the relay to synchronize each non-synchronizing literal the backend cannot take, whatever was
/// advertised (docs/PROTOCOL.md, rule 1). The relay does the rest: "{N}" to the backend, the client's octets
/// held until "+" (swallowed), the command drained if the backend refuses it.
/// </summary>
internal sealed class LiteralSynchronizer : ICommandRewriter
{
    // One boxed mode per session, so the hot path only looks it up.
    private static readonly object ModeKey = new();

    private readonly LiteralPolicy _policy;

    public LiteralSynchronizer(LiteralPolicy policy)
    {
        _policy = policy;
    }

    public CommandDecision Inspect(CommandLine line, SessionContext session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (line.Literal is not { NonSynchronizing: true } literal)
        {
            return CommandDecision.Forward;
        }

        if (!session.Items.TryGetValue(ModeKey, out var cached) || cached is not LiteralMode mode)
        {
            mode = _policy.ModeFor(session.Backend, session.BackendCapabilities);
            session.Items[ModeKey] = mode;
        }

        return LiteralPolicy.Synchronizes(mode, literal.Length) ? CommandDecision.Synchronize : CommandDecision.Forward;
    }
}
