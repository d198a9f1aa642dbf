namespace FrontDoor.Core.Hooks;

/// <summary>
/// One line of a client command after login, as the relay framed it. A command with literals arrives as
/// several lines: the first carries the tag and the command name, each ends with the header of the literal
/// whose octets follow. The literal's octets themselves are never shown to rewriters.
/// </summary>
public readonly ref struct CommandLine
{
    public CommandLine(ReadOnlySpan<byte> line, bool isCommandStart, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> name, LiteralHeader? literal)
    {
        Line = line;
        IsCommandStart = isCommandStart;
        Tag = tag;
        Name = name;
        Literal = literal;
    }

    /// <summary>The line without its CRLF.</summary>
    public ReadOnlySpan<byte> Line { get; }

    /// <summary>True for the first line of a command (the one with the tag).</summary>
    public bool IsCommandStart { get; }

    /// <summary>The command's tag (also on continuation lines).</summary>
    public ReadOnlySpan<byte> Tag { get; }

    /// <summary>The command name, e.g. APPEND, as sent (also on continuation lines; UID FETCH gives UID).</summary>
    public ReadOnlySpan<byte> Name { get; }

    /// <summary>The literal this line announces, if it ends with one.</summary>
    public LiteralHeader? Literal { get; }
}

/// <summary>What the relay does with a command line.</summary>
public enum CommandAction
{
    /// <summary>Relay the line, and its literal as the client sent it.</summary>
    Forward,

    /// <summary>
    /// Relay the line with its non-synchronizing literal turned into a synchronizing one (<c>{N+}</c> becomes
    /// <c>{N}</c>), hold the client's octets until the backend answers <c>+</c> (swallowed), and discard the
    /// rest of the command if the backend refuses it instead.
    /// </summary>
    SynchronizeLiteral,

    /// <summary>Do not relay the command; answer the client with <see cref="CommandDecision.Reply"/> and discard the rest of the command.</summary>
    Reply,
}

/// <summary>A rewriter's answer for one line.</summary>
public readonly record struct CommandDecision(CommandAction Action, string? Reply)
{
    public static CommandDecision Forward => default;

    public static CommandDecision Synchronize => new(CommandAction.SynchronizeLiteral, null);

    /// <summary>Answer the client with "tag <paramref name="statusAndText"/>", e.g. <c>NO [TOOBIG] Message too large</c>.</summary>
    public static CommandDecision Answer(string statusAndText) => new(CommandAction.Reply, statusAndText);
}

/// <summary>
/// Inspects client command lines after login. Rewriters run in ascending <see cref="Order"/>; a Reply
/// decision wins at once; a SynchronizeLiteral from any rewriter holds. Built once at start-up, called for
/// every line on the relay's hot path: do not allocate, keep per-session state in <see cref="RelaySession.Items"/>.
/// </summary>
public interface ICommandRewriter
{
    int Order => 0;

    CommandDecision Inspect(CommandLine line, RelaySession session);
}
