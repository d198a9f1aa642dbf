using System.Net;
using System.Text;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Sessions;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>The greeting line (RFC 9051 section 7.1.1): the same bytes while the filters give the same list, new bytes when they do not.</summary>
public class GreetingTests
{
    private static readonly ListenerContext Listener = new(new ListenerOptions("imap", new IPEndPoint(IPAddress.Loopback, 143), ListenerTls.None));

    [Fact]
    public void The_greeting_carries_the_list_it_was_given()
    {
        var line = Encoding.ASCII.GetString(Listener.Greeting(new CapabilitySet(["IMAP4rev1", "ID", "X-GREETING-1"])).Span);

        Assert.Equal("* OK [CAPABILITY IMAP4rev1 ID X-GREETING-1] FrontDoor IMAP proxy ready\r\n", line);
    }

    [Fact]
    public void The_same_list_gives_the_same_bytes_and_another_list_other_bytes()
    {
        var first = Listener.Greeting(new CapabilitySet(["IMAP4rev1", "X-GREETING-2"]));
        var same = Listener.Greeting(new CapabilitySet(["IMAP4rev1", "X-GREETING-2"]));
        var other = Listener.Greeting(new CapabilitySet(["IMAP4rev1", "X-GREETING-3"]));
        var back = Listener.Greeting(new CapabilitySet(["IMAP4rev1", "X-GREETING-2"]));

        Assert.True(first.Span == same.Span, "the same list reuses the line");
        Assert.Equal("* OK [CAPABILITY IMAP4rev1 X-GREETING-3] FrontDoor IMAP proxy ready\r\n", Encoding.ASCII.GetString(other.Span));
        Assert.Equal(Encoding.ASCII.GetString(first.Span), Encoding.ASCII.GetString(back.Span));
    }

    [Fact]
    public void Tokens_differing_only_in_case_are_not_taken_for_the_same_list()
    {
        var upper = Encoding.ASCII.GetString(Listener.Greeting(new CapabilitySet(["IMAP4rev1", "X-GREETING-CASE"])).Span);
        var lower = Encoding.ASCII.GetString(Listener.Greeting(new CapabilitySet(["IMAP4rev1", "x-greeting-case"])).Span);

        Assert.Contains("X-GREETING-CASE", upper, StringComparison.Ordinal);
        Assert.Contains("x-greeting-case", lower, StringComparison.Ordinal);
    }
}
