using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.IntegrationTests.Security;

/// <summary>
/// A node out of file descriptors: the real executable as its own process, its limit lowered from outside
/// (prlimit) so that accept fails with EMFILE, as on a node whose LimitNOFILE is too small for its sessions.
/// The clients that connect meanwhile wait in the kernel's queue; FrontDoor says so once, keeps its sessions,
/// and greets the waiting clients once descriptors are there again.
/// </summary>
public class FileLimitTests
{
    private const int Waiting = 6;

    // What the .NET runtime prints when it aborts for want of a descriptor of its own, to start a thread.
    private const string RuntimeAbort = "Out of memory.";

    [Fact]
    public async Task Out_of_descriptors_the_listener_pauses_and_greets_the_waiting_clients_once_they_are_back()
    {
        await using var node = await FrontDoorProcess.StartAsync("", """<backends><backend name="b" endpoint="127.0.0.1:9" /></backends><routing default="b" />""");
        try
        {
            await ExerciseAsync(node);
        }
        finally
        {
            Assert.DoesNotContain(RuntimeAbort, node.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_login_that_meets_the_limit_is_refused_and_the_listener_waits_for_room_to_spare()
    {
        await using var node = await FrontDoorProcess.StartAsync("", """<backends><backend name="b" endpoint="127.0.0.1:9" /></backends><routing default="b" />""");
        try
        {
            using var first = new TcpClient();
            await first.ConnectAsync(node.EndPoint);
            await using var session = new RawImapClient(first);
            Assert.StartsWith("* OK", await session.ReadLineAsync(), StringComparison.Ordinal);

            var (soft, hard) = await LimitAsync(node.ProcessId);
            await SetLimitAsync(node.ProcessId, Directory.GetFileSystemEntries($"/proc/{node.ProcessId}/fd").Length, hard);

            // The backend's socket cannot be made: the login is refused as this node's fault, and the reserve
            // goes back to the process, by the dialer this time (no accept has failed).
            await session.SendAsync("a LOGIN someone secret\r\n");
            Assert.StartsWith("a NO [UNAVAILABLE]", (await session.ReadUntilAsync("a "))[^1], StringComparison.Ordinal);
            var free = Limit(node.ProcessId) - Directory.GetFileSystemEntries($"/proc/{node.ProcessId}/fd").Length;
            Assert.True(free >= 8, $"{free} descriptors free after the refused login; the reserve should have left about 16");

            // New clients: the accept already pending may take one; then the listener waits for room to spare,
            // and says so, rather than hand the runtime's descriptors to them.
            var late = new List<RawImapClient>();
            try
            {
                for (var i = 0; i < 3; i++)
                {
                    var tcp = new TcpClient();
                    await tcp.ConnectAsync(node.EndPoint);
                    late.Add(new RawImapClient(tcp));
                }

                await WaitForAsync(node, "cannot accept connections");
                free = Limit(node.ProcessId) - Directory.GetFileSystemEntries($"/proc/{node.ProcessId}/fd").Length;
                Assert.True(free >= 8, $"{free} descriptors free while the listener waits");

                await SetLimitAsync(node.ProcessId, soft, hard);
                foreach (var client in late)
                {
                    Assert.StartsWith("* OK", await client.ReadLineAsync(), StringComparison.Ordinal);
                }
            }
            finally
            {
                foreach (var client in late)
                {
                    await client.DisposeAsync();
                }
            }
        }
        finally
        {
            Assert.DoesNotContain(RuntimeAbort, node.Output, StringComparison.Ordinal);
        }
    }

    private static async Task ExerciseAsync(FrontDoorProcess node)
    {
        using var first = new TcpClient();
        await first.ConnectAsync(node.EndPoint);
        await using var session = new RawImapClient(first);
        Assert.StartsWith("* OK", await session.ReadLineAsync(), StringComparison.Ordinal);

        // No descriptor to spare: every further accept fails with EMFILE.
        var (soft, hard) = await LimitAsync(node.ProcessId);
        var inUse = Directory.GetFileSystemEntries($"/proc/{node.ProcessId}/fd").Length;
        await SetLimitAsync(node.ProcessId, inUse, hard);

        var waiting = new List<RawImapClient>();
        try
        {
            for (var i = 0; i < Waiting; i++)
            {
                var tcp = new TcpClient();
                await tcp.ConnectAsync(node.EndPoint); // completed by the kernel: the connection waits in the backlog
                waiting.Add(new RawImapClient(tcp));
            }

            await WaitForAsync(node, "cannot accept connections");

            // The reserve went back to the process: the runtime has descriptors to start a thread with, which
            // at the exact limit it would die for ("Out of memory."), and the paused listener leaves them be.
            var free = Limit(node.ProcessId) - Directory.GetFileSystemEntries($"/proc/{node.ProcessId}/fd").Length;
            Assert.True(free >= 8, $"{free} descriptors free at the limit; the reserve should have left about 16");

            // The session that was in before goes on.
            await session.SendAsync("a CAPABILITY\r\n");
            Assert.StartsWith("* CAPABILITY", await session.ReadLineAsync(), StringComparison.Ordinal);
            Assert.StartsWith("a OK", await session.ReadLineAsync(), StringComparison.Ordinal);

            // Descriptors back: every waiting client is accepted and greeted.
            await SetLimitAsync(node.ProcessId, soft, hard);
            foreach (var client in waiting)
            {
                Assert.StartsWith("* OK", await client.ReadLineAsync(), StringComparison.Ordinal);
            }

            await WaitForAsync(node, "accepting connections again");

            // Said once for the whole episode, not once per failed accept.
            Assert.Equal(1, Occurrences(node.Output, "cannot accept connections"));
        }
        finally
        {
            foreach (var client in waiting)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static long Limit(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], CultureInfo.InvariantCulture);

    private static int Occurrences(string text, string what) =>
        (text.Length - text.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;

    private static async Task WaitForAsync(FrontDoorProcess node, string what)
    {
        for (var wait = 0; wait < 600 && !node.Output.Contains(what, StringComparison.Ordinal); wait++)
        {
            await Task.Delay(50);
        }

        Assert.True(node.Output.Contains(what, StringComparison.Ordinal), $"FrontDoor never logged \"{what}\":\n{node.Output}");
    }

    private static async Task<(long Soft, long Hard)> LimitAsync(int pid)
    {
        var output = await PrlimitAsync("--pid", pid.ToString(CultureInfo.InvariantCulture), "--nofile", "--raw", "--noheadings", "--output=SOFT,HARD");
        var fields = output.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[0], CultureInfo.InvariantCulture), long.Parse(fields[1], CultureInfo.InvariantCulture));
    }

    private static async Task SetLimitAsync(int pid, long soft, long hard) =>
        await PrlimitAsync("--pid", pid.ToString(CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture, $"--nofile={soft}:{hard}"));

    private static async Task<string> PrlimitAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("prlimit") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"prlimit {string.Join(' ', arguments)}: {error}");
        return output.Trim();
    }
}
