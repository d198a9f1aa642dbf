using System.Text;
using FrontDoor.Core.Hooks;

namespace FrontDoor.Samples.XlistCompat;

/// <summary>
/// Sends <c>tag XLIST ref pattern</c> on as <c>tag LIST ref pattern</c> and remembers the tag, so that the
/// response rewriter knows whose <c>* LIST</c> lines to rename. Every other command is forwarded without a
/// look beyond its name, and without allocating.
/// </summary>
internal sealed class XlistCommandRewriter(XlistSettingsHolder settings) : ICommandRewriter
{
    // RFC 6154 section 5.1 and RFC 5258 section 4: folder roles, and the children flags an XLIST answer had.
    private static readonly byte[] ReturnSpecialUse = " RETURN (SPECIAL-USE CHILDREN)"u8.ToArray();

    public CommandDecision Inspect(CommandLine line, SessionContext session)
    {
        ArgumentNullException.ThrowIfNull(session);

        // Only the first line names the command; a later line of a command with literals (a mailbox name
        // sent as a literal) has no tag and needs nothing.
        if (!line.IsCommandStart || !Ascii.EqualsIgnoreCase(line.Name, "XLIST"u8) || !XlistBackendValidator.Emulates(session))
        {
            return CommandDecision.Forward;
        }

        XlistState.For(session).Add(line.Tag);

        // The replacement stands for what lies between the tag's space and the literal header (or the line's
        // end): "XLIST" plus its arguments. Core keeps the tag and any literal header as they were.
        var textStart = line.Tag.Length + 1;
        var textEnd = line.Literal is { } literal ? literal.Start : line.Line.Length;
        var arguments = line.Line[(textStart + "XLIST".Length)..textEnd];

        // RETURN goes after the last argument, so only a one-line command can take it here.
        var withRoles = line.Literal is null && settings.Current.ReturnSpecialUse
            && session.BackendCapabilities.Contains("SPECIAL-USE") && session.BackendCapabilities.Contains("LIST-EXTENDED");
        var replacement = new byte["LIST".Length + arguments.Length + (withRoles ? ReturnSpecialUse.Length : 0)];
        "LIST"u8.CopyTo(replacement);
        arguments.CopyTo(replacement.AsSpan("LIST".Length));
        if (withRoles)
        {
            ReturnSpecialUse.CopyTo(replacement.AsSpan("LIST".Length + arguments.Length));
        }

        return CommandDecision.Rewrite(replacement);
    }
}
