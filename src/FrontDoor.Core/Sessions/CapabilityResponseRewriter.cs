using System.Buffers;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// Core's own response rewriter: every capability list the backend sends after login (<c>* CAPABILITY</c>,
/// and a <c>[CAPABILITY ...]</c> code on any status response) goes through the <see cref="ICapabilityFilter"/>s,
/// so a client is never offered what the proxy cannot relay or a filter took away. Runs first.
/// </summary>
internal sealed class CapabilityResponseRewriter : IResponseRewriter
{
    private readonly CapabilityPipeline _capabilities;
    private readonly RelayCounters _counters;

    public CapabilityResponseRewriter(CapabilityPipeline capabilities, RelayCounters counters)
    {
        _capabilities = capabilities;
        _counters = counters;
    }

    public int Order => int.MinValue;

    public ResponseDecision Inspect(ResponseLine line, SessionContext session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!line.IsResponseStart || line.Kind == ResponseKind.Continuation || line.Literal is not null
            || !CapabilityResponse.TryLocate(line.Line, out var tokens))
        {
            return ResponseDecision.Pass;
        }

        var advertised = ParsedCapabilities.Get(line.Line[tokens]);
        var context = new CapabilityContext(CapabilityStage.PostAuth, session.Backend, advertised)
        {
            Session = session,
            Listener = session.Listener,
            ClientAddress = session.ClientAddress,
        };
        var shown = _capabilities.Apply(advertised, context);
        var output = new ArrayBufferWriter<byte>(line.Line.Length + 16);
        CapabilityResponse.WriteRewritten(output, line.Line, tokens, shown);
        _counters.For(session.Backend.Name).CapabilityRewritten();

        // WriteRewritten ends the line with CRLF; a replacement is the line without it, and a tagged one's text follows the tag.
        var written = output.WrittenMemory[..^2];
        if (line.Kind == ResponseKind.Tagged)
        {
            written = written[(line.Tag.Length + 1)..];
        }

        return ResponseDecision.Replace(written);
    }
}
