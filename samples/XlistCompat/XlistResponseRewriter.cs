using FrontDoor.Core.Hooks;

namespace FrontDoor.Samples.XlistCompat;

/// <summary>
/// While one of the session's XLIST commands is in flight, renames each <c>* LIST</c> response to
/// <c>* XLIST</c>; the XLIST's tagged completion ends that. IMAP gives untagged data no tag, so a LIST the
/// client pipelines beside its XLIST is renamed too: XLIST clients do not do that.
/// Lines pass after a few checks without allocating; the session's <see cref="SessionContext.Items"/>
/// dictionary is made once, at its first tagged completion.
/// </summary>
internal sealed class XlistResponseRewriter : IResponseRewriter
{
    public ResponseDecision Inspect(ResponseLine line, SessionContext session)
    {
        ArgumentNullException.ThrowIfNull(session);

        // Only a response's first line can be "* LIST" or a completion; the text after a literal cannot.
        if (!line.IsResponseStart || line.Kind == ResponseKind.Continuation)
        {
            return ResponseDecision.Pass;
        }

        if (line.Kind == ResponseKind.Untagged && !line.Line.StartsWith("* LIST "u8))
        {
            return ResponseDecision.Pass;
        }

        if (XlistState.Find(session) is not { Any: true } state)
        {
            return ResponseDecision.Pass;
        }

        if (line.Kind == ResponseKind.Tagged)
        {
            // The completion is passed as it is; it only ends the renaming.
            state.Complete(line.Tag);
            return ResponseDecision.Pass;
        }

        // An untagged replacement is the whole line up to any literal header, which Core keeps (a mailbox
        // name sent as a literal stays one).
        var end = line.Literal is { } literal ? literal.Start : line.Line.Length;
        var rest = line.Line["* LIST".Length..end];
        var replacement = new byte["* XLIST".Length + rest.Length];
        "* XLIST"u8.CopyTo(replacement);
        rest.CopyTo(replacement.AsSpan("* XLIST".Length));
        return ResponseDecision.Replace(replacement);
    }
}
