using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Sessions;

/// <summary>What the rewriters made of one command line.</summary>
/// <param name="Action">Forward, SynchronizeLiteral or Reply (a Rewrite is folded into <paramref name="Line"/>).</param>
/// <param name="Reply">The answer for Reply.</param>
/// <param name="Rewritten">True when <paramref name="Line"/> is not the line the client sent.</param>
internal readonly ref struct CommandOutcome(CommandAction Action, string? Reply, bool Rewritten, ReadOnlySpan<byte> Line, LiteralHeader? Literal, ReadOnlySpan<byte> Name)
{
    public CommandAction Action { get; } = Action;

    public string? Reply { get; } = Reply;

    public bool Rewritten { get; } = Rewritten;

    /// <summary>The line to relay, without CRLF.</summary>
    public ReadOnlySpan<byte> Line { get; } = Line;

    public LiteralHeader? Literal { get; } = Literal;

    public ReadOnlySpan<byte> Name { get; } = Name;
}

/// <summary>Every <see cref="ICommandRewriter"/>, ordered once at start-up and run from a plain array.</summary>
internal sealed class CommandRewriterChain
{
    private readonly ICommandRewriter[] _rewriters;
    private readonly int _maxLine;

    public CommandRewriterChain(IEnumerable<ICommandRewriter> rewriters, int maxLine = int.MaxValue)
    {
        // OrderBy is stable: equal orders keep registration order.
        _rewriters = [.. rewriters.OrderBy(r => r.Order)];
        _maxLine = maxLine;
    }

    public bool IsEmpty => _rewriters.Length == 0;

    /// <summary>Runs every rewriter; throws <see cref="HookFailureException"/> when one throws or breaks the rewrite rules.</summary>
    public CommandOutcome Inspect(CommandLine line, SessionContext session, scoped ref RewriteBuffer buffer)
    {
        var action = CommandAction.Forward;
        var rewritten = false;
        foreach (var rewriter in _rewriters)
        {
            CommandDecision next;
            try
            {
                next = rewriter.Inspect(line, session);
            }
            catch (Exception ex)
            {
                throw new HookFailureException(rewriter, $"{ex.GetType().Name}: {ex.Message}", ex);
            }

            switch (next.Action)
            {
                case CommandAction.Reply:
                    return new CommandOutcome(CommandAction.Reply, next.Reply, rewritten, line.Line, line.Literal, line.Name);
                case CommandAction.SynchronizeLiteral:
                    action = CommandAction.SynchronizeLiteral;
                    break;
                case CommandAction.Rewrite:
                    line = Rewrite(rewriter, line, next.Replacement.Span, ref buffer);
                    rewritten = true;
                    break;
            }
        }

        return new CommandOutcome(action, null, rewritten, line.Line, line.Literal, line.Name);
    }

    private CommandLine Rewrite(ICommandRewriter rewriter, CommandLine line, ReadOnlySpan<byte> replacement, scoped ref RewriteBuffer buffer)
    {
        if (replacement.IndexOfAny((byte)'\r', (byte)'\n') >= 0)
        {
            throw new HookFailureException(rewriter, "the rewritten command holds CR or LF");
        }

        if (line.IsCommandStart && replacement.IsEmpty)
        {
            throw new HookFailureException(rewriter, "the rewritten command is empty");
        }

        // The tag and its space stay; so does the literal header, with its size.
        var prefix = line.IsCommandStart ? line.Line[..(line.Tag.Length + 1)] : [];
        var suffix = line.Literal is { } literal ? line.Line[literal.Start..] : [];
        var assembled = buffer.Assemble(prefix, replacement, suffix, spaceBeforeSuffix: true);
        if (assembled.Length > _maxLine)
        {
            throw new HookFailureException(rewriter, $"the rewritten command is {assembled.Length} octets, over maxCommandLine ({_maxLine})");
        }

        LiteralHeader? header = line.Literal is { } old ? old with { Start = assembled.Length - suffix.Length } : null;
        var name = line.IsCommandStart ? ImapSyntax.NextWord(assembled[prefix.Length..], out _) : line.Name;
        var tag = line.IsCommandStart ? assembled[..line.Tag.Length] : line.Tag;
        return new CommandLine(assembled, line.IsCommandStart, tag, name, header);
    }
}
