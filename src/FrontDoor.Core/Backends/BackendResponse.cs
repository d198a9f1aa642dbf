using System.Text;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Backends;

/// <summary>A status response from a backend, kept as text: only pre-relay responses are read this way.</summary>
internal sealed record BackendResponse(string Tag, string Status, string Text, CapabilitySet? Capabilities)
{
    public bool IsOk => string.Equals(Status, "OK", StringComparison.OrdinalIgnoreCase);

    /// <summary>The response after its tag, e.g. <c>NO [AUTHENTICATIONFAILED] Authentication failed.</c></summary>
    public string StatusAndText => Text.Length == 0 ? Status : $"{Status} {Text}";

    public static BackendResponse Parse(ReadOnlySpan<byte> line)
    {
        var tag = ImapSyntax.NextWord(line, out var rest);
        var status = ImapSyntax.NextWord(rest, out var text);
        CapabilitySet? capabilities = null;
        if (CapabilityResponse.TryLocate(line, out var tokens))
        {
            capabilities = CapabilityResponse.Parse(line[tokens]);
        }

        return new BackendResponse(Encoding.ASCII.GetString(tag), Encoding.ASCII.GetString(status), Encoding.UTF8.GetString(text), capabilities);
    }

    /// <summary>The text with a leading <c>[CAPABILITY ...]</c> code removed (FrontDoor writes its own).</summary>
    public string TextWithoutCapabilityCode()
    {
        if (!Text.StartsWith("[CAPABILITY ", StringComparison.OrdinalIgnoreCase))
        {
            return Text;
        }

        var close = Text.IndexOf(']', StringComparison.Ordinal);
        return close < 0 ? Text : Text[(close + 1)..].TrimStart();
    }
}
