using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Sessions;

/// <summary>What the response rewriters made of one line: relay it (maybe rewritten), or drop it.</summary>
internal readonly ref struct ResponseOutcome(bool Drop, bool Rewritten, ReadOnlySpan<byte> Line)
{
    public bool Drop { get; } = Drop;

    public bool Rewritten { get; } = Rewritten;

    /// <summary>The line to relay, without CRLF.</summary>
    public ReadOnlySpan<byte> Line { get; } = Line;
}

/// <summary>
/// Every <see cref="IResponseRewriter"/>, Core's capability rewriter first, ordered once and run from a
/// plain array. Enforces the rules of <see cref="IResponseRewriter"/>: a broken rule is the plugin's failure.
/// </summary>
internal sealed class ResponseRewriterChain
{
    private readonly IResponseRewriter[] _rewriters;
    private readonly int _maxLine;

    public ResponseRewriterChain(IEnumerable<IResponseRewriter> rewriters, int maxLine = int.MaxValue)
    {
        _rewriters = [.. rewriters.OrderBy(r => r.Order)];
        _maxLine = maxLine;
    }

    public ResponseOutcome Inspect(ResponseLine line, SessionContext session, scoped ref RewriteBuffer buffer)
    {
        var rewritten = false;
        foreach (var rewriter in _rewriters)
        {
            ResponseDecision decision;
            try
            {
                decision = rewriter.Inspect(line, session);
            }
            catch (Exception ex)
            {
                throw new HookFailureException(rewriter, $"{ex.GetType().Name}: {ex.Message}", ex);
            }

            switch (decision.Action)
            {
                case ResponseAction.Drop:
                    if (line.Kind != ResponseKind.Untagged || !line.IsResponseStart || line.Literal is not null)
                    {
                        throw new HookFailureException(rewriter, "only a whole one-line untagged response may be dropped");
                    }

                    return new ResponseOutcome(true, rewritten, line.Line);
                case ResponseAction.Replace:
                    line = Replace(rewriter, line, decision.Replacement.Span, ref buffer);
                    rewritten = true;
                    break;
            }
        }

        return new ResponseOutcome(false, rewritten, line.Line);
    }

    private ResponseLine Replace(IResponseRewriter rewriter, ResponseLine line, ReadOnlySpan<byte> replacement, scoped ref RewriteBuffer buffer)
    {
        if (line.Kind == ResponseKind.Continuation)
        {
            throw new HookFailureException(rewriter, "a continuation request may not be replaced");
        }

        if (replacement.IndexOfAny((byte)'\r', (byte)'\n') >= 0)
        {
            throw new HookFailureException(rewriter, "the replacement holds CR or LF");
        }

        if (line.IsResponseStart && line.Kind == ResponseKind.Untagged && !replacement.StartsWith("* "u8))
        {
            throw new HookFailureException(rewriter, "an untagged response's replacement must start with \"* \"");
        }

        // A tagged line keeps its tag and space; a line that ends in a literal keeps the header.
        var prefix = line.IsResponseStart && line.Kind == ResponseKind.Tagged ? line.Line[..(line.Tag.Length + 1)] : [];
        var suffix = line.Literal is { } literal ? line.Line[literal.Start..] : [];
        var assembled = buffer.Assemble(prefix, replacement, suffix, spaceBeforeSuffix: true);
        if (assembled.Length > _maxLine)
        {
            throw new HookFailureException(rewriter, $"the replacement is {assembled.Length} octets, over maxResponseLine ({_maxLine})");
        }

        LiteralHeader? header = line.Literal is { } old ? old with { Start = assembled.Length - suffix.Length } : null;
        var tag = line.IsResponseStart && line.Kind == ResponseKind.Tagged ? assembled[..line.Tag.Length] : line.Tag;
        return new ResponseLine(assembled, line.Kind, line.IsResponseStart, tag, header);
    }
}
