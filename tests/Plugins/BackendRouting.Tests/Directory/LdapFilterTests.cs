using FrontDoor.Core.Hooks;
using FrontDoor.Plugins.BackendRouting.Directory;
using FsCheck.Xunit;
using Xunit;

namespace FrontDoor.Plugins.BackendRouting.Tests.Directory;

public class LdapFilterTests
{
    private static string Fill(string template, string login) => LdapFilter.Parse(template, "filter").For(login);

    [Theory]
    // RFC 4515 section 3: '*', '(', ')', '\' and NUL become '\' + two hex digits.
    [InlineData("*)(uid=*", @"(uid=\2a\29\28uid=\2a)")]
    [InlineData(@"a\b", @"(uid=a\5cb)")]
    [InlineData("a\0b", @"(uid=a\00b)")]
    [InlineData("tab\there", @"(uid=tab\09here)")]
    // A C1 control is two octets in UTF-8, each escaped.
    [InlineData("x\u0085y", @"(uid=x\c2\85y)")]
    // Other characters, non-ASCII ones included, are valid as they are (UTF-8 in the request).
    [InlineData("josé.müller", "(uid=josé.müller)")]
    public void The_login_is_escaped_per_RFC_4515(string login, string expected) => Assert.Equal(expected, Fill("(uid=%u)", login));

    [Theory]
    [InlineData("alice@example.com", "(&(uid=alice)(dc=example.com)(mail=alice@example.com))")]
    [InlineData(@"CORP\alice", @"(&(uid=alice)(dc=CORP)(mail=CORP\5calice))")]
    [InlineData("alice", "(&(uid=alice)(dc=)(mail=alice))")]
    [InlineData("a*@b(", @"(&(uid=a\2a)(dc=b\28)(mail=a\2a@b\28))")]
    public void Local_part_and_domain_are_split_then_escaped(string login, string expected) =>
        Assert.Equal(expected, Fill("(&(uid=%n)(dc=%d)(mail=%u))", login));

    [Fact]
    public void A_double_percent_is_a_percent_sign() => Assert.Equal("(cn=100%bob)", Fill("(cn=100%%%u)", "bob"));

    [Theory]
    [InlineData("uid=%u")]
    [InlineData("(uid=%u")]
    [InlineData("(uid=%u))")]
    [InlineData("(uid=%x)")]
    [InlineData("(uid=%)")]
    public void A_bad_template_is_refused_naming_it(string template)
    {
        var error = Assert.Throws<FrontDoorConfigurationException>(() => LdapFilter.Parse(template, "<directory> filter"));
        Assert.Contains(template, error.Message, StringComparison.Ordinal);
    }

    [Property]
    public bool No_login_adds_a_parenthesis_or_a_wildcard(string? login)
    {
        var filter = Fill("(|(uid=%u)(mail=%n@%d))", login ?? string.Empty);
        return filter.Count(c => c == '(') == 3 && filter.Count(c => c == ')') == 3 && !filter.Contains('*', StringComparison.Ordinal) &&
               !filter.Any(char.IsControl);
    }
}
