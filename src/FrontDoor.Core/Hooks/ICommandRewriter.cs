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

    /// <summary>
    /// Relay <see cref="CommandDecision.Replacement"/> instead of the line's text. The relay keeps the tag
    /// and the literal header: the replacement stands for what lies between the tag's space and the
    /// literal header (or the line's end), e.g. <c>LIST "" "*"</c> for <c>a1 XLIST "" "*"</c>. On a later line
    /// of a multi-line command (no tag) it stands for everything before the header. It may not hold CR or LF,
    /// and the whole line must stay within maxCommandLine; otherwise the session ends (the plugin is named
    /// in the log). The literal's size and octets never change. Rewriters after this one see the new line.
    /// </summary>
    Rewrite,
}

/// <summary>A rewriter's answer for one line.</summary>
public readonly record struct CommandDecision
{
    public CommandAction Action { get; init; }

    /// <summary>For <see cref="CommandAction.Reply"/>: what follows the tag, e.g. <c>NO [TOOBIG] Message too large</c>.</summary>
    public string? Reply { get; init; }

    /// <summary>For <see cref="CommandAction.Rewrite"/>: the new text (see there for what it replaces).</summary>
    public ReadOnlyMemory<byte> Replacement { get; init; }

    public static CommandDecision Forward => default;

    public static CommandDecision Synchronize => new() { Action = CommandAction.SynchronizeLiteral };

    /// <summary>Answer the client with "tag <paramref name="statusAndText"/>", e.g. <c>NO [TOOBIG] Message too large</c>.</summary>
    public static CommandDecision Answer(string statusAndText) => new() { Action = CommandAction.Reply, Reply = statusAndText };

    /// <summary>Relay <paramref name="text"/> in place of the line's text (tag and literal header kept). Allocate it once, not per call, where you can.</summary>
    public static CommandDecision Rewrite(ReadOnlyMemory<byte> text) => new() { Action = CommandAction.Rewrite, Replacement = text };

    /// <summary>As <see cref="Rewrite(ReadOnlyMemory{byte})"/>, from text encoded as UTF-8.</summary>
    public static CommandDecision Rewrite(string text) => Rewrite(System.Text.Encoding.UTF8.GetBytes(text ?? string.Empty));
}

/// <summary>
/// Inspects client command lines after login. Rewriters run in ascending <see cref="Order"/>, ties in
/// registration order. A Reply decision wins at once; a Rewrite changes the line the next rewriters see; a
/// SynchronizeLiteral from any rewriter holds. A command with literals reaches the rewriters one line at a
/// time (each line ends with the header of the literal that follows it); the literal's octets are never
/// shown. Built once at start-up, called for every line on the relay's hot path: do not allocate on the
/// forward path; keep per-session state in <see cref="SessionContext.Items"/>. An exception ends only this
/// session, with <c>* BYE [UNAVAILABLE]</c> and a log line naming the plugin.
/// </summary>
public interface ICommandRewriter
{
    int Order => 0;

    CommandDecision Inspect(CommandLine line, SessionContext session);
}
