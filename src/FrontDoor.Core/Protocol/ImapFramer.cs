using System.Buffers;
using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Protocol;

internal enum FrameKind
{
    /// <summary>The buffer ends inside a line: read more.</summary>
    NeedMore,

    /// <summary>A whole line; a literal may follow it.</summary>
    Line,

    /// <summary>Some octets of a literal, in the order they arrived; never scanned.</summary>
    LiteralData,

    /// <summary>A line longer than the limit: the peer cannot be followed any further.</summary>
    LineTooLong,

    /// <summary>A literal header with an impossible size.</summary>
    LiteralTooBig,
}

/// <summary>One frame. Slices of the reader's buffer: valid until the buffer is advanced.</summary>
internal readonly struct Frame
{
    public Frame(ReadOnlySequence<byte> content, ReadOnlySequence<byte> raw, bool startsMessage, LiteralHeader? literal, bool endsLiteral)
    {
        Content = content;
        Raw = raw;
        StartsMessage = startsMessage;
        Literal = literal;
        EndsLiteral = endsLiteral;
    }

    /// <summary>A line without its line ending; or the literal octets.</summary>
    public ReadOnlySequence<byte> Content { get; }

    /// <summary>A line with its line ending exactly as received; or the literal octets.</summary>
    public ReadOnlySequence<byte> Raw { get; }

    /// <summary>True for the first line of a command or response (not a line that continues after a literal).</summary>
    public bool StartsMessage { get; }

    /// <summary>The literal the line announces, if any.</summary>
    public LiteralHeader? Literal { get; }

    /// <summary>For literal data: these are the literal's last octets.</summary>
    public bool EndsLiteral { get; }
}

/// <summary>
/// The one IMAP framer, for commands and responses alike: finds the end of each line and the literal header
/// that may end it, then hands over exactly that many octets without looking at them (RFC 9051 section 4.3).
/// Reads may be split anywhere; the framer keeps its place between calls.
/// </summary>
internal struct ImapFramer
{
    private long _literalRemaining;
    private bool _continuesMessage;

    public ImapFramer(int maxLineLength)
    {
        MaxLineLength = maxLineLength;
    }

    public int MaxLineLength { get; }

    /// <summary>True between messages: the next line is a new command or response.</summary>
    public readonly bool AtMessageStart => _literalRemaining == 0 && !_continuesMessage;

    public readonly long LiteralRemaining => _literalRemaining;

    /// <summary>
    /// The literal just announced will not come (its synchronizing command was refused before <c>+</c>):
    /// the next line starts a new message.
    /// </summary>
    public void CancelLiteral()
    {
        _literalRemaining = 0;
        _continuesMessage = false;
    }

    /// <summary>
    /// <paramref name="count"/> octets of the literal being read went on without passing through
    /// <see cref="Read"/> (spliced from socket to socket): the framer counts them as read.
    /// </summary>
    public void SkipLiteralOctets(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _literalRemaining);
        _literalRemaining -= count;
    }

    public FrameKind Read(ref SequenceReader<byte> reader, out Frame frame)
    {
        frame = default;
        if (_literalRemaining > 0)
        {
            if (reader.End)
            {
                return FrameKind.NeedMore;
            }

            var take = Math.Min(_literalRemaining, reader.Remaining);
            var data = reader.UnreadSequence.Slice(0, take);
            reader.Advance(take);
            _literalRemaining -= take;
            frame = new Frame(data, data, startsMessage: false, literal: null, endsLiteral: _literalRemaining == 0);
            return FrameKind.LiteralData;
        }

        var lineStart = reader.Position;
        if (!reader.TryAdvanceTo((byte)'\n', advancePastDelimiter: true))
        {
            // The limit is on the content; what is here may still end with the CR of its CRLF.
            return reader.Remaining > MaxLineLength + 1 ? FrameKind.LineTooLong : FrameKind.NeedMore;
        }

        var raw = reader.Sequence.Slice(lineStart, reader.Position);

        // RFC 9051 requires CRLF; a bare LF is tolerated (and relayed as it came), as Dovecot and Courier do.
        var contentLength = raw.Length - 1;
        if (contentLength > 0 && EndsWithCarriageReturn(raw.Slice(0, contentLength)))
        {
            contentLength--;
        }

        if (contentLength > MaxLineLength)
        {
            return FrameKind.LineTooLong;
        }

        var content = raw.Slice(0, contentLength);
        var startsMessage = !_continuesMessage;
        switch (LiteralHeaderParser.Parse(content, out var header))
        {
            case LiteralParse.Impossible:
                return FrameKind.LiteralTooBig;
            case LiteralParse.Literal:
                _literalRemaining = header.Length;
                _continuesMessage = true;
                frame = new Frame(content, raw, startsMessage, header, endsLiteral: false);
                return FrameKind.Line;
            default:
                _continuesMessage = false;
                frame = new Frame(content, raw, startsMessage, literal: null, endsLiteral: false);
                return FrameKind.Line;
        }
    }

    private static bool EndsWithCarriageReturn(in ReadOnlySequence<byte> sequence)
    {
        if (sequence.IsSingleSegment)
        {
            return sequence.FirstSpan[^1] == (byte)'\r';
        }

        return sequence.Slice(sequence.Length - 1).FirstSpan[0] == (byte)'\r';
    }
}
