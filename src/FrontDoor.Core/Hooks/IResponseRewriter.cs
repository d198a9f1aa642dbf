namespace FrontDoor.Core.Hooks;

/// <summary>What kind of backend response a line belongs to (RFC 9051 section 7).</summary>
public enum ResponseKind
{
    /// <summary>Starts with <c>*</c>: data or a status the client did not ask for by tag.</summary>
    Untagged,

    /// <summary>Starts with a command's tag: the command's completion.</summary>
    Tagged,

    /// <summary>Starts with <c>+</c>: a continuation request (literal, IDLE, AUTHENTICATE).</summary>
    Continuation,
}

/// <summary>
/// One line of a backend response after login, as the relay framed it. A response with literals arrives as
/// several lines: the first (<see cref="IsResponseStart"/>) carries <c>*</c>, <c>+</c> or the tag; each ends
/// with the header of the literal whose octets follow, which hooks never see.
/// </summary>
public readonly ref struct ResponseLine
{
    public ResponseLine(ReadOnlySpan<byte> line, ResponseKind kind, bool isResponseStart, ReadOnlySpan<byte> tag, LiteralHeader? literal)
    {
        Line = line;
        Kind = kind;
        IsResponseStart = isResponseStart;
        Tag = tag;
        Literal = literal;
    }

    /// <summary>The line without its CRLF.</summary>
    public ReadOnlySpan<byte> Line { get; }

    /// <summary>The kind of the response this line belongs to.</summary>
    public ResponseKind Kind { get; }

    /// <summary>True for the response's first line.</summary>
    public bool IsResponseStart { get; }

    /// <summary>The tag, on the first line of a tagged response; empty otherwise.</summary>
    public ReadOnlySpan<byte> Tag { get; }

    /// <summary>The literal this line announces, if it ends with one.</summary>
    public LiteralHeader? Literal { get; }
}

/// <summary>What the relay does with a response line.</summary>
public enum ResponseAction
{
    /// <summary>Relay it as it came (allocates nothing).</summary>
    Pass,

    /// <summary>Relay <see cref="ResponseDecision.Replacement"/> instead; see <see cref="IResponseRewriter"/> for what it replaces.</summary>
    Replace,

    /// <summary>Do not relay it. Only for a whole one-line untagged response.</summary>
    Drop,
}

/// <summary>A response rewriter's answer for one line.</summary>
public readonly record struct ResponseDecision(ResponseAction Action, ReadOnlyMemory<byte> Replacement)
{
    public static ResponseDecision Pass => default;

    public static ResponseDecision Drop => new(ResponseAction.Drop, default);

    public static ResponseDecision Replace(ReadOnlyMemory<byte> text) => new(ResponseAction.Replace, text);

    /// <summary>As <see cref="Replace(ReadOnlyMemory{byte})"/>, from text encoded as UTF-8.</summary>
    public static ResponseDecision Replace(string text) => Replace(System.Text.Encoding.UTF8.GetBytes(text ?? string.Empty));
}

/// <summary>
/// Sees every backend response line after login: untagged, tagged and continuation requests, never literal
/// octets. The rules, which the relay enforces:
/// <list type="bullet">
/// <item>An untagged line may be passed, replaced (the replacement is the whole line and starts with
/// <c>* </c>) or dropped (only a one-line response: one that ends in a literal cannot be dropped).</item>
/// <item>A tagged line may be passed or have its text replaced: the replacement is what follows the tag and
/// its space (e.g. <c>OK [READ-WRITE] Done</c>); the tag is kept.</item>
/// <item>A continuation request (<c>+</c>) may only be passed: the literal gate and IDLE depend on it.</item>
/// <item>On a line that ends with a literal, the replacement stands for the text before the literal header,
/// which the relay keeps: a literal's size and octets never change.</item>
/// <item>A replacement may not hold CR or LF and must stay within maxResponseLine.</item>
/// </list>
/// Breaking a rule, or throwing, ends only that session with <c>* BYE [UNAVAILABLE]</c> and a log line
/// naming the plugin; nothing of the line is relayed. Rewriters run in ascending <see cref="Order"/> (ties in
/// registration order), each seeing the line as the one before left it; a Drop ends the chain. Core's own
/// capability-list rewriter runs first (order <see cref="int.MinValue"/>). Built once, called for every
/// line: return <see cref="ResponseDecision.Pass"/> without allocating.
/// </summary>
public interface IResponseRewriter
{
    int Order => 0;

    ResponseDecision Inspect(ResponseLine line, SessionContext session);
}
