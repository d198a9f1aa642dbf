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

    // A backend's words and texts repeat from login to login ("*", "OK", "fd2", "Logged in"): found by their
    // bytes rather than made anew for each response (bench/README.md, garbage per login).
    private static readonly BytesCache<string> Words = new(64, 16, static word => Encoding.ASCII.GetString(word));
    private static readonly BytesCache<string> Texts = new(64, 1024, static text => Encoding.UTF8.GetString(text));

    // Whole lines repeat too (the greeting, the login's OK with its capability code): a response is immutable,
    // so the one made from the same bytes is shared.
    private static readonly BytesCache<BackendResponse> Lines = new(64, 1024, ParseLine);

    public static BackendResponse Parse(ReadOnlySpan<byte> line) => Lines.Get(line);

    private static BackendResponse ParseLine(ReadOnlySpan<byte> line)
    {
        var tag = ImapSyntax.NextWord(line, out var rest);
        var status = ImapSyntax.NextWord(rest, out var text);
        CapabilitySet? capabilities = null;
        if (CapabilityResponse.TryLocate(line, out var tokens))
        {
            capabilities = ParsedCapabilities.Get(line[tokens]);
        }

        return new BackendResponse(Words.Get(tag), Words.Get(status), text.IsEmpty ? string.Empty : Texts.Get(text), capabilities);
    }

    /// <summary>The text with a leading <c>[CAPABILITY ...]</c> code removed (FrontDoor writes its own).</summary>
    public ReadOnlySpan<char> TextWithoutCapabilityCode()
    {
        if (!Text.StartsWith("[CAPABILITY ", StringComparison.OrdinalIgnoreCase))
        {
            return Text;
        }

        var close = Text.IndexOf(']', StringComparison.Ordinal);
        return close < 0 ? Text : Text.AsSpan(close + 1).TrimStart();
    }
}
