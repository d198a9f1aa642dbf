using System.Globalization;
using System.Text;
using FrontDoor.Core.Hooks;

namespace FrontDoor.Plugins.BackendRouting.Directory;

/// <summary>
/// The search filter of a &lt;directory&gt; rule with the login put in: <c>%u</c> the name as sent, <c>%n</c> its
/// local part (before the last '@', or after a <c>DOMAIN\</c>), <c>%d</c> its domain, <c>%%</c> a percent sign.
/// Each value is escaped per RFC 4515 section 3, so no login can add a filter component or a wildcard.
/// </summary>
internal sealed class LdapFilter
{
    private readonly string _template;

    private LdapFilter(string template) => _template = template;

    public string Template => _template;

    /// <summary>Checks the template: balanced parentheses, only known % codes.</summary>
    public static LdapFilter Parse(string template, string where)
    {
        var depth = 0;
        for (var i = 0; i < template.Length; i++)
        {
            switch (template[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    if (--depth < 0)
                    {
                        throw new FrontDoorConfigurationException($"{where}=\"{template}\": unbalanced parentheses");
                    }

                    break;
                case '%':
                    if (i + 1 >= template.Length || template[i + 1] is not ('u' or 'n' or 'd' or '%'))
                    {
                        throw new FrontDoorConfigurationException($"{where}=\"{template}\": only %u, %n, %d and %% may follow a %");
                    }

                    i++;
                    break;
            }
        }

        if (depth != 0 || !template.StartsWith('(') || !template.EndsWith(')'))
        {
            throw new FrontDoorConfigurationException($"{where}=\"{template}\": expected an LDAP filter in parentheses (RFC 4515)");
        }

        return new LdapFilter(template);
    }

    /// <summary>The filter for <paramref name="login"/>.</summary>
    public string For(string login)
    {
        var (local, domain) = Split(login);
        var filter = new StringBuilder(_template.Length + (login.Length * 3));
        for (var i = 0; i < _template.Length; i++)
        {
            var c = _template[i];
            if (c != '%')
            {
                filter.Append(c);
                continue;
            }

            i++;
            _ = _template[i] switch
            {
                'u' => Escape(filter, login),
                'n' => Escape(filter, local),
                'd' => Escape(filter, domain),
                _ => filter.Append('%'),
            };
        }

        return filter.ToString();
    }

    /// <summary>
    /// RFC 4515 section 3: in an assertion value, '*', '(', ')', '\' and NUL are written as '\' and two hex
    /// digits. Every other control character is escaped the same way, so the filter stays one printable line.
    /// </summary>
    public static StringBuilder Escape(StringBuilder to, string value)
    {
        Span<byte> octets = stackalloc byte[4];
        foreach (var c in value)
        {
            if (c is '*' or '(' or ')' or '\\' || char.IsControl(c))
            {
                // RFC 4515 escapes octets of the UTF-8 encoding (a C1 control is two of them).
                var count = Encoding.UTF8.GetBytes([c], octets);
                foreach (var octet in octets[..count])
                {
                    to.Append('\\').Append(octet.ToString("x2", CultureInfo.InvariantCulture));
                }
            }
            else
            {
                to.Append(c);
            }
        }

        return to;
    }

    /// <summary>user@domain → (user, domain); DOMAIN\user → (user, DOMAIN); a bare name → (name, "").</summary>
    public static (string Local, string Domain) Split(string login)
    {
        var backslash = login.IndexOf('\\', StringComparison.Ordinal);
        if (backslash > 0)
        {
            return (login[(backslash + 1)..], login[..backslash]);
        }

        var at = login.LastIndexOf('@');
        return at > 0 ? (login[..at], login[(at + 1)..]) : (login, string.Empty);
    }
}
