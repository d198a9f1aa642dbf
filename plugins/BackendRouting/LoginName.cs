namespace FrontDoor.Plugins.BackendRouting;

/// <summary>
/// A login name as administrators think of it: <c>user@domain</c>, Exchange's <c>DOMAIN\user</c> and
/// <c>DOMAIN\user\alias</c> (the alias names the mailbox to open), or a bare user.
/// </summary>
/// <param name="Mailbox">Who owns the mailbox, lower case: "alice@example.com", "alias", "user" or "alice".</param>
/// <param name="Domain">The mail domain or the Windows domain, lower case; null for a bare user.</param>
internal readonly record struct LoginName(string Mailbox, string? Domain)
{
    public static LoginName Parse(string login)
    {
        var trimmed = login.Trim().ToLowerInvariant();
        var backslash = trimmed.IndexOf('\\', StringComparison.Ordinal);
        if (backslash > 0)
        {
            var domain = trimmed[..backslash];
            var rest = trimmed[(backslash + 1)..];
            var alias = rest.IndexOf('\\', StringComparison.Ordinal);
            var mailbox = alias >= 0 ? rest[(alias + 1)..] : rest;
            return new LoginName(mailbox, domain);
        }

        var at = trimmed.LastIndexOf('@');
        return at > 0 && at < trimmed.Length - 1
            ? new LoginName(trimmed, trimmed[(at + 1)..])
            : new LoginName(trimmed, null);
    }
}
