using System.Collections;
using System.Text;

namespace FrontDoor.Core.Hooks;

/// <summary>
/// An ordered list of capability tokens. Tokens compare case-insensitively (RFC 9051 section 7.2.2), and
/// only whole tokens match: removing LITERAL+ leaves X-LITERAL+FOO alone.
/// </summary>
public sealed class CapabilitySet : IEnumerable<string>
{
    private readonly List<string> _tokens;

    // Set on a list that sessions share (a backend's parsed capabilities): a change would show in all of them.
    private bool _readOnly;

    public CapabilitySet()
    {
        _tokens = [];
    }

    public CapabilitySet(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _tokens = new List<string>(tokens.TryGetNonEnumeratedCount(out var count) ? count + Headroom : 4);
        foreach (var token in tokens)
        {
            Add(token);
        }
    }

    /// <summary>A copy of a set, whose tokens are known to be valid and distinct already.</summary>
    private CapabilitySet(List<string> tokens)
    {
        _tokens = new List<string>(tokens.Count + Headroom);
        _tokens.AddRange(tokens);
    }

    // Room for the few tokens a filter adds (STARTTLS, LITERAL+, COMPRESS=DEFLATE) without growing the list.
    private const int Headroom = 2;

    public int Count => _tokens.Count;

    /// <summary>True for a list shared by many sessions (a backend's advertised capabilities): change a <see cref="Clone"/> instead.</summary>
    internal bool IsReadOnly => _readOnly;

    public bool Contains(string token) => IndexOf(token) >= 0;

    /// <summary>True when any token starts with <paramref name="prefix"/>, e.g. "AUTH=" or "APPENDLIMIT=".</summary>
    public bool ContainsPrefix(string prefix)
    {
        foreach (var token in _tokens)
        {
            if (token.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public void Add(string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        ThrowIfReadOnly();
        if (!Contains(token))
        {
            _tokens.Add(token);
        }
    }

    public bool Remove(string token)
    {
        ThrowIfReadOnly();
        var index = IndexOf(token);
        if (index < 0)
        {
            return false;
        }

        _tokens.RemoveAt(index);
        return true;
    }

    /// <summary>Removes every token that starts with <paramref name="prefix"/>; returns how many went.</summary>
    public int RemovePrefix(string prefix)
    {
        ThrowIfReadOnly();
        var removed = 0;
        for (var i = _tokens.Count - 1; i >= 0; i--)
        {
            if (_tokens[i].StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                _tokens.RemoveAt(i);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>A copy that may be changed, also of a read-only list.</summary>
    public CapabilitySet Clone() => new(_tokens);

    /// <summary>Makes this list a copy of <paramref name="other"/>'s tokens (a list made once and filled again and again).</summary>
    internal void CopyFrom(CapabilitySet other)
    {
        ThrowIfReadOnly();
        _tokens.Clear();
        _tokens.AddRange(other._tokens);
    }

    /// <summary>Makes this list <paramref name="tokens"/>, as <see cref="Add"/> adds each.</summary>
    internal void CopyFrom(string[] tokens)
    {
        ThrowIfReadOnly();
        _tokens.Clear();
        foreach (var token in tokens)
        {
            Add(token);
        }
    }

    /// <summary>The token at <paramref name="index"/>: Core loops by index, where the public enumerator is boxed.</summary>
    internal string this[int index] => _tokens[index];

    /// <summary>Makes this list read-only from now on, for sharing it between sessions.</summary>
    internal CapabilitySet MakeReadOnly()
    {
        _readOnly = true;
        return this;
    }

    private void ThrowIfReadOnly()
    {
        if (_readOnly)
        {
            throw new InvalidOperationException("this capability list is shared between sessions and read-only: change a Clone()");
        }
    }

    public IEnumerator<string> GetEnumerator() => _tokens.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(' ', _tokens);

    /// <summary>True when both hold the same tokens in the same order (exact spelling).</summary>
    internal bool SameTokens(CapabilitySet other)
    {
        if (other._tokens.Count != _tokens.Count)
        {
            return false;
        }

        for (var i = 0; i < _tokens.Count; i++)
        {
            if (!string.Equals(_tokens[i], other._tokens[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The tokens, space-separated, as ASCII bytes straight into <paramref name="output"/> (no string on the way).</summary>
    internal void WriteTo(System.Buffers.IBufferWriter<byte> output)
    {
        for (var i = 0; i < _tokens.Count; i++)
        {
            var token = _tokens[i];
            var span = output.GetSpan(token.Length + 1);
            var at = 0;
            if (i > 0)
            {
                span[at++] = (byte)' ';
            }

            at += Encoding.ASCII.GetBytes(token, span[at..]);
            output.Advance(at);
        }
    }

    // A loop, not FindIndex with a lambda: the lambda's closure was an allocation per call, and a login
    // makes hundreds of these calls (bench/README.md, garbage per login).
    private int IndexOf(string token)
    {
        for (var i = 0; i < _tokens.Count; i++)
        {
            if (string.Equals(_tokens[i], token, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
