using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Sessions;

/// <summary>Every <see cref="ICommandRewriter"/>, ordered once at start-up and run from a plain array.</summary>
internal sealed class CommandRewriterChain
{
    private readonly ICommandRewriter[] _rewriters;

    public CommandRewriterChain(IEnumerable<ICommandRewriter> rewriters)
    {
        _rewriters = [.. rewriters.OrderBy(r => r.Order)];
    }

    public bool IsEmpty => _rewriters.Length == 0;

    public CommandDecision Inspect(CommandLine line, RelaySession session)
    {
        var decision = CommandDecision.Forward;
        foreach (var rewriter in _rewriters)
        {
            var next = rewriter.Inspect(line, session);
            if (next.Action == CommandAction.Reply)
            {
                return next;
            }

            if (next.Action == CommandAction.SynchronizeLiteral)
            {
                decision = next;
            }
        }

        return decision;
    }
}
