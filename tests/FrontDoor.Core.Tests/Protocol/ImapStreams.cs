using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>Generators of IMAP-shaped hostile input: valid pieces, literal headers of every size and form, and noise.</summary>
internal static class ImapStreams
{
    private static readonly string[] Pieces =
    [
        "a1 ", "A2 ", "* ", "+ ", "NOOP", "CAPABILITY", "LOGIN", "AUTHENTICATE PLAIN", "AUTHENTICATE LOGIN", "ID", "LOGOUT", "STARTTLS",
        "SELECT", "APPEND INBOX ", " ", "\"", "\\", "(", ")", "NIL", "alice", "\"quoted\"", "\"un", "=",
        "{0}", "{5}", "{5+}", "~{3}", "~{3+}", "{4096+}", "{70000}", "{70000+}", "{99999999999999999999+}", "{-1}", "{}", "{+}",
        "\r\n", "\r\n", "\r\n", "\n", "\r", "\0", "\u00ff", "*\r\n", "AGFsaWNlAHNlY3JldA==",
    ];

    public static Gen<byte[]> Stream =>
        Gen.OneOf(Gen.Elements(Pieces), Gen.Choose(0, 255).Select(b => ((char)b).ToString()))
            .ListOf()
            .Select(parts => Encoding.Latin1.GetBytes(string.Concat(parts)));

    /// <summary>A stream and the points at which it is split into reads.</summary>
    public static Arbitrary<(byte[] Input, int[] Cuts)> SplitStream =>
        Stream.SelectMany(input => Gen.Choose(0, Math.Max(0, input.Length)).ArrayOf().Select(cuts => (input, cuts)))
            .ToArbitrary();
}
