using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace FrontDoor.Bench;

/// <summary>
/// Scenario 7: logins per second, 100 clients each connecting, logging in and logging out in a loop, to
/// minimap directly, through FrontDoor and through nginx.
/// </summary>
internal static class Logins
{
    public static int Clients(BenchSettings settings) => settings.Smoke ? 4 : 100;

    public static TimeSpan Duration(BenchSettings settings) => settings.Smoke ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromSeconds(3);

    /// <summary>Logins completed per second; throws when any failed.</summary>
    public static double Measure(IPEndPoint endpoint, BenchSettings settings)
    {
        var clients = Clients(settings);
        var duration = Duration(settings);
        var done = 0L;
        var errors = new List<string>();
        var watch = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, clients).Select(i => new Thread(() =>
        {
            var user = string.Create(CultureInfo.InvariantCulture, $"u{i}");
            while (watch.Elapsed < duration)
            {
                try
                {
                    var client = ImapClient.ConnectAndLogin(endpoint, user, BenchContext.Password, 4096);
                    client.Run("z", "LOGOUT");
                    client.Abort();
                    Interlocked.Increment(ref done);
                }
                catch (Exception ex) when (ex is BenchException or IOException or System.Net.Sockets.SocketException)
                {
                    lock (errors)
                    {
                        errors.Add(ex.Message);
                    }

                    return;
                }
            }
        }) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        var seconds = watch.Elapsed.TotalSeconds;
        if (errors.Count > 0)
        {
            throw new BenchException($"{errors.Count} login loop(s) failed: {errors[0]}");
        }

        return Interlocked.Read(ref done) / seconds;
    }

    public static string ToMarkdown(Dictionary<string, List<double>> rates, List<AllocationSample> allocations, BenchSettings settings)
    {
        var md = new StringBuilder();
        md.AppendLine("### 8. Logins per second");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{Clients(settings)} clients at once, each connecting, logging in (LOGIN) and logging out (LOGOUT) in a loop for {Duration(settings).TotalSeconds:0.#} s, against minimap: direct, through FrontDoor, through nginx, runs alternating; median of the runs.");
        md.AppendLine();
        md.AppendLine("| path | logins/s | × direct | runs |");
        md.AppendLine("|---|---:|---:|---|");
        var direct = rates.TryGetValue("direct", out var d) ? Report.Median(d) : double.NaN;
        foreach (var (path, runs) in rates)
        {
            var median = Report.Median(runs);
            md.AppendLine(CultureInfo.InvariantCulture, $"| {path} | {median:N0} | {median / direct:0.00} | {string.Join(", ", runs.Select(r => r.ToString("0", CultureInfo.InvariantCulture)))} |");
        }

        var perLogin = allocations.FirstOrDefault(a => a.PerSession && a.Path.StartsWith("FrontDoor", StringComparison.Ordinal) && a.Commands > 0);
        var client = allocations.FirstOrDefault(a => a.PerSession && a.Path.StartsWith("direct", StringComparison.Ordinal) && a.Commands > 0);
        if (perLogin is not null && client is not null)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Garbage per login (scenario 5b, in-process, connect + LOGIN + NOOP + LOGOUT): {perLogin.BytesPerCommand - client.BytesPerCommand:N0} B allocated by FrontDoor per session (the whole process's {perLogin.BytesPerCommand:N0} B less the client's own {client.BytesPerCommand:N0} B).");
        }

        md.AppendLine();
        return md.ToString();
    }
}
