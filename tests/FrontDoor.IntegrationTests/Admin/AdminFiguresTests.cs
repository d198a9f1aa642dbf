using System.Net;
using FrontDoor.Admin;
using FrontDoor.Core.Sessions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace FrontDoor.IntegrationTests.Admin;

/// <summary>The small parts behind the admin figures: the refused-login ring, name cutting, latency windows, the who table.</summary>
public class AdminFiguresTests
{
    [Fact]
    public void Refused_logins_keep_the_newest_200_newest_first_with_names_cut()
    {
        var failures = new RecentLoginFailures(new FakeTimeProvider());
        for (var i = 0; i < RecentLoginFailures.Capacity + 5; i++)
        {
            failures.Add(IPAddress.Loopback, $"user{i}", "NO [AUTHENTICATIONFAILED] Authentication failed.");
        }

        var snapshot = failures.Snapshot();
        Assert.Equal(RecentLoginFailures.Capacity, snapshot.Count);
        Assert.Equal($"user{RecentLoginFailures.Capacity + 4}", snapshot[0].User);
        Assert.Equal("user5", snapshot[^1].User);
        Assert.Equal("127.0.0.1", snapshot[0].Address);
    }

    [Fact]
    public void A_name_is_cut_to_64_characters_and_never_inside_a_surrogate_pair()
    {
        Assert.Equal(new string('a', 64), RecentLoginFailures.Cut(new string('a', 64)));
        Assert.Equal(new string('a', 64) + "…", RecentLoginFailures.Cut(new string('a', 10_000)));
        var emoji = new string('a', 63) + "😀" + "tail";
        Assert.Equal(new string('a', 63) + "…", RecentLoginFailures.Cut(emoji));
    }

    [Fact]
    public void Logins_per_minute_forget_old_logins_and_latency_percentiles_are_nearest_rank()
    {
        var time = new FakeTimeProvider();
        var window = new BackendWindow();
        window.Login(time.GetTimestamp(), time);
        time.Advance(TimeSpan.FromSeconds(30));
        window.Login(time.GetTimestamp(), time);
        for (var ms = 1; ms <= 100; ms++)
        {
            window.Connected(ms / 1000.0);
        }

        var figures = window.Figures(time.GetTimestamp(), time);
        Assert.Equal(2, figures.LoginsLastMinute);
        Assert.Equal(50, figures.ConnectP50Ms);
        Assert.Equal(99, figures.ConnectP99Ms);

        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, window.Figures(time.GetTimestamp(), time).LoginsLastMinute);
    }

    [Fact]
    public void The_who_table_keeps_terminal_escapes_out()
    {
        var session = new SessionView("s1", "evil\u001b[2J", "modern", "127.0.0.1:143", "127.0.0.1:5000", "imap",
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1, 2, 0);
        var text = SessionTable.Format([session]);
        Assert.DoesNotContain('\u001b', text);
        Assert.Contains("evil?[2J", text, StringComparison.Ordinal);
        Assert.StartsWith("user ", text, StringComparison.Ordinal);
    }
}
