using System.Text.RegularExpressions;

namespace FrontDoor.Plugins.BackendRouting;

internal enum RuleKind
{
    User,
    Domain,
    Pattern,
    Regex,
}

/// <summary>One &lt;route&gt;: what it matches, and where it sends the user (a backend or pool by name, or a referral).</summary>
internal sealed record RouteRule(RuleKind Kind, string Value, Regex? Matcher, string? Backend, string? Referral)
{
    public bool Matches(LoginName name) => Kind switch
    {
        RuleKind.User => string.Equals(Value, name.Mailbox, StringComparison.OrdinalIgnoreCase),
        RuleKind.Domain => name.Domain is not null && string.Equals(Value, name.Domain, StringComparison.OrdinalIgnoreCase),
        _ => Matcher!.IsMatch(name.Mailbox),
    };

    /// <summary>A wildcard (<c>*</c> any run, <c>?</c> one character) as an anchored, case-insensitive regex.</summary>
    public static Regex Wildcard(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", Options, Timeout);

    public static Regex Expression(string regex) => new(regex, Options, Timeout);

    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    // A route is matched on every login: a pathological expression must not stall it.
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(100);
}
