using System.Text;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

public class ImapFramerTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "A1 NOOP\r\n", "L(A1 NOOP)" },
        { "A1 NOOP\r\nA2 CAPABILITY\r\n", "L(A1 NOOP)L(A2 CAPABILITY)" },
        { "A1 APPEND INBOX {5+}\r\nhello\r\n", "L(A1 APPEND INBOX {5+} |5+@16)D(hello)l()" },
        { "A1 APPEND INBOX {5}\r\nhello\r\nA2 NOOP\r\n", "L(A1 APPEND INBOX {5} |5@16)D(hello)l()L(A2 NOOP)" },
        { "A1 APPEND INBOX ~{4+}\r\n\0\u0001\r\n\r\n", "L(A1 APPEND INBOX ~{4+} |~4+@16)D(\0\u0001\r\n)l()" },
        { "A1 APPEND INBOX UTF8 (~{7+}\r\nmessage)\r\n", "L(A1 APPEND INBOX UTF8 (~{7+} |~7+@22)D(message)l())" },
        { "A1 SEARCH SUBJECT {0+}\r\n\r\n", "L(A1 SEARCH SUBJECT {0+} |0+@18)l()" },
        { "A1 LOGIN {5+}\r\nalice {6+}\r\nsecret\r\n", "L(A1 LOGIN {5+} |5+@9)D(alice)l( {6+} |6+@1)D(secret)l()" },
        // A literal's octets are never scanned: lines, literal headers and CRLF inside it are data.
        { "A1 APPEND INBOX {23}\r\n* CAPABILITY {5+}\r\n+ \r\nA2 NOOP\r\n", "L(A1 APPEND INBOX {23} |23@16)D(* CAPABILITY {5+}\r\n+ \r\n)l(A2 NOOP)" },
        // "{N+}" not at the end of the line is text (docs/PROTOCOL.md, case 18).
        { "A1 SEARCH TEXT {5+}x\r\n", "L(A1 SEARCH TEXT {5+}x)" },
        { "A1 SELECT foo}\r\n", "L(A1 SELECT foo})" },
        { "A1 SELECT {}\r\n", "L(A1 SELECT {})" },
        { "A1 SELECT {+}\r\n", "L(A1 SELECT {+})" },
        { "A1 SELECT {x}\r\n", "L(A1 SELECT {x})" },
        // A bare LF is tolerated and a line's raw bytes are kept apart from its content.
        { "A1 NOOP\n", "L(A1 NOOP)" },
        { "* 1 FETCH (BODY[] {3}\r\nabc)\r\n", "L(* 1 FETCH (BODY[] {3} |3@18)D(abc)l())" },
        // docs/PROTOCOL.md, case 19: an impossible size stops framing without allocating.
        { "A1 APPEND INBOX {99999999999999999999+}\r\n", "LiteralTooBig" },
        { "A1 NOOP", "Rest(A1 NOOP)" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Frames_the_same_however_the_input_is_split(string input, string expected)
    {
        var bytes = Encoding.Latin1.GetBytes(input);
        foreach (var split in Segments.Splits(bytes))
        {
            Assert.Equal(expected, FramerHarness.Run(split));
        }
    }

    [Fact]
    public void A_line_longer_than_the_limit_is_refused_even_before_its_end_arrives()
    {
        var bytes = Encoding.ASCII.GetBytes("A1 " + new string('x', 100));
        foreach (var split in Segments.Splits(bytes))
        {
            Assert.Equal("LineTooLong", FramerHarness.Run(split, maxLineLength: 50));
        }
    }

    [Fact]
    public void A_large_literal_streams_in_pieces_and_keeps_every_octet()
    {
        var body = new byte[100_000];
        new Random(7).NextBytes(body);
        var input = Encoding.ASCII.GetBytes($"A1 APPEND INBOX {{{body.Length}+}}\r\n").Concat(body).Concat("\r\nA2 NOOP\r\n"u8.ToArray()).ToArray();
        var chunks = input.Chunk(4093).ToArray();
        var transcript = FramerHarness.Run(chunks);
        Assert.StartsWith("L(A1 APPEND INBOX {100000+} |100000+@16)D(", transcript, StringComparison.Ordinal);
        Assert.EndsWith(")l()L(A2 NOOP)", transcript, StringComparison.Ordinal);
        Assert.Contains(Encoding.Latin1.GetString(body), transcript, StringComparison.Ordinal);
    }
}
