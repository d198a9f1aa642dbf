using System.Collections;
using System.Text;

namespace FrontDoor.Core.Hooks;

/// <summary>
/// An ordered list of capability tokens. Tokens compare case-insensitively (RFC 9051 section 7.2.2), and
/// only whole tokens match: removing LITERAL+ leaves X-LITERAL+FOO alone.
/// </summary>
public sealed class CapabilitySet : IEnumerable<string>
{
    private readonly List<string> _tokens = [];

    public CapabilitySet() { }

    public CapabilitySet(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        foreach (var token in tokens)
        {
            Add(token);
        }
    }

    public int Count => _tokens.Count;

    public bool Contains(string token) => IndexOf(token) >= 0;

    /// <summary>True when any token starts with <paramref name="prefix"/>, e.g. "AUTH=" or "APPENDLIMIT=".</summary>
    public bool ContainsPrefix(string prefix) => _tokens.Exists(t => t.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    public void Add(string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        if (!Contains(token))
        {
            _tokens.Add(token);
        }
    }

    public bool Remove(string token)
    {
        var index = IndexOf(token);
        if (index < 0)
        {
            return false;
        }

        _tokens.RemoveAt(index);
        return true;
    }

    /// <summary>Removes every token that starts with <paramref name="prefix"/>; returns how many went.</summary>
    public int RemovePrefix(string prefix) => _tokens.RemoveAll(t => t.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    public CapabilitySet Clone() => new(_tokens);

    public IEnumerator<string> GetEnumerator() => _tokens.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString()
    {
        var builder = new StringBuilder();
        foreach (var token in _tokens)
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            builder.Append(token);
        }

        return builder.ToString();
    }

    private int IndexOf(string token) => _tokens.FindIndex(t => string.Equals(t, token, StringComparison.OrdinalIgnoreCase));
}
