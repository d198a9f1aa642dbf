using System.Text;
using FrontDoor.Core.Protocol;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>Splitting the arguments of the commands FrontDoor answers itself (RFC 9051 section 4).</summary>
public class ArgumentTokenizerTests
{
    private static List<ImapArgument> Tokenize(string text)
    {
        var arguments = new List<ImapArgument>();
        Assert.True(ArgumentTokenizer.TryTokenize(Encoding.UTF8.GetBytes(text), arguments));
        return arguments;
    }

    private static string Show(IEnumerable<ImapArgument> arguments) =>
        string.Join(" | ", arguments.Select(a => a.Kind switch
        {
            ArgumentKind.Atom => "atom:" + a.Text,
            ArgumentKind.String => "string:" + a.Text,
            ArgumentKind.Nil => "NIL",
            ArgumentKind.ListStart => "(",
            _ => ")",
        }));

    [Theory]
    [InlineData("alice secret", "atom:alice | atom:secret")]
    [InlineData("  alice   secret  ", "atom:alice | atom:secret")]
    [InlineData("\"alice\" \"pass word\"", "string:alice | string:pass word")]
    [InlineData("\"\" x", "string: | atom:x")]
    [InlineData("\"a\\\"b\\\\c\"", "string:a\"b\\c")]
    [InlineData("\"\\\\\" \"x\\\"\" y", "string:\\ | string:x\" | atom:y")]
    [InlineData("(\"name\" \"Thunderbird\" \"version\" NIL)", "( | string:name | string:Thunderbird | string:version | NIL | )")]
    [InlineData("nil Nil", "NIL | NIL")]
    [InlineData("((a)b)", "( | ( | atom:a | ) | atom:b | )")]
    [InlineData("PLAIN AGFsaWNlAHNlY3JldA==", "atom:PLAIN | atom:AGFsaWNlAHNlY3JldA==")]
    [InlineData("\"bjørn\" pw", "string:bjørn | atom:pw")]
    [InlineData("", "")]
    public void Arguments_are_split_into_atoms_strings_nil_and_lists(string text, string expected)
    {
        Assert.Equal(expected, Show(Tokenize(text)));
    }

    [Fact]
    public void Atoms_and_strings_count_as_strings_and_nil_does_not()
    {
        var arguments = Tokenize("alice \"pw\" NIL (");
        Assert.Equal([true, true, false, false], arguments.Select(a => a.IsString));
    }

    [Theory]
    [InlineData("\"unterminated")]
    [InlineData("alice \"secret")]
    [InlineData("\"bad \\x escape\"")]
    [InlineData("\"ends in a backslash\\")]
    public void A_malformed_quoted_string_is_refused(string text)
    {
        Assert.False(ArgumentTokenizer.TryTokenize(Encoding.UTF8.GetBytes(text), []));
    }
}
