namespace FrontDoor.Core.Hooks;

/// <summary>
/// A literal announced at the end of a line: <c>{N}</c>, <c>{N+}</c>, <c>~{N}</c> or <c>~{N+}</c>
/// (RFC 9051 section 4.3, RFC 7888, RFC 3516).
/// </summary>
/// <param name="Length">N, the number of octets that follow the line's CRLF.</param>
/// <param name="NonSynchronizing">True for <c>{N+}</c>: the sender does not wait for a continuation.</param>
/// <param name="Binary">True for <c>~{N}</c> (literal8): the octets may hold NUL.</param>
/// <param name="Start">The offset of the header (<c>~</c> or <c>{</c>) in the line.</param>
public readonly record struct LiteralHeader(long Length, bool NonSynchronizing, bool Binary, int Start);
