using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.IntegrationTests.Security;

/// <summary>
/// A node at the end of its file descriptors: the real executable as its own process, its limit lowered from
/// outside (prlimit) to just above what it uses, then filled with clients, as on a node whose LimitNOFILE is
/// too small for its sessions. FrontDoor leaves the last ones to the .NET runtime, which aborts the process
/// when it cannot open one to start a thread (deploy/README.md, "Out of file descriptors"): the clients that
/// connect meanwhile wait in the kernel's queue, FrontDoor says so once, keeps its sessions, and greets the
/// waiting clients once descriptors are there again.
/// </summary>
public class FileLimitTests
{
    // The limit is at least this far above the next descriptor's number.
    private const int Spare = 8;

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

    private static async Task ExerciseAsync(FrontDoorProcess node)
    {
        using var first = new TcpClient();
        await first.ConnectAsync(node.EndPoint);
        await using var session = new RawImapClient(first);
        Assert.StartsWith("* OK", await session.ReadLineAsync(), StringComparison.Ordinal);

        // A limit just above the reserve's descriptors (on /dev/null, from start-up), so that clients fill
        // what is free below it, as on a node filling up to a fixed limit.
        var (soft, hard) = await LimitAsync(node.ProcessId);
        await SetLimitAsync(node.ProcessId, Math.Max(LowestFree(node.ProcessId) + Spare, HighestOnDevNull(node.ProcessId) + 1), hard);

        var waiting = new List<RawImapClient>();
        try
        {
            // Clients until the listener pauses: at the number rule or at EMFILE, whichever comes first.
            while (!node.Output.Contains("cannot accept connections", StringComparison.Ordinal))
            {
                Assert.True(waiting.Count < 1000, "FrontDoor never paused its listener");
                var tcp = new TcpClient();
                await tcp.ConnectAsync(node.EndPoint); // completed by the kernel: the connection waits in the backlog
                waiting.Add(new RawImapClient(tcp));
                await Task.Delay(20);
            }

            // The reserve went back to the process: the runtime has descriptors to start a thread with, which
            // at the exact limit it would die for ("Out of memory."), and the paused listener leaves them be.
            var free = FreeBelowLimit(node.ProcessId);
            Assert.True(free >= 8, $"{free} descriptors free while the listener waits; the reserve should have left about 16");

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

    private static int Limit(int pid) =>
        int.Parse(File.ReadLines($"/proc/{pid}/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], CultureInfo.InvariantCulture);

    private static HashSet<int> Open(int pid) =>
        [.. Directory.GetFileSystemEntries($"/proc/{pid}/fd").Select(p => int.Parse(Path.GetFileName(p), CultureInfo.InvariantCulture))];

    /// <summary>The number the kernel would give the process's next descriptor.</summary>
    private static int LowestFree(int pid)
    {
        var open = Open(pid);
        var n = 0;
        while (open.Contains(n))
        {
            n++;
        }

        return n;
    }

    private static int HighestOnDevNull(int pid) =>
        Open(pid).Where(n => new FileInfo($"/proc/{pid}/fd/{n}").LinkTarget == "/dev/null").DefaultIfEmpty(0).Max();

    /// <summary>How many descriptors the process may still open: the free numbers below its limit.</summary>
    private static int FreeBelowLimit(int pid)
    {
        var open = Open(pid);
        return Enumerable.Range(0, Limit(pid)).Count(n => !open.Contains(n));
    }

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
