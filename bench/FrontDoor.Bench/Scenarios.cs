using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace FrontDoor.Bench;

/// <summary>Scenarios 1-3: the same Dovecot reached three ways, runs alternating between the ways.</summary>
internal static class Scenarios
{
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();

    /// <summary>
    /// Runs <paramref name="measure"/> for every path, warm-ups first (discarded), then
    /// <paramref name="runs"/> rounds; each round starts at the next path, so no path always goes first.
    /// </summary>
    public static Dictionary<TPath, List<T>> Alternate<TPath, T>(IReadOnlyList<TPath> paths, int warmups, int runs, string what, Func<TPath, T> measure)
        where TPath : notnull
    {
        var results = paths.ToDictionary(p => p, _ => new List<T>());
        for (var w = 0; w < warmups; w++)
        {
            foreach (var path in paths)
            {
                measure(path);
            }
        }

        for (var run = 0; run < runs; run++)
        {
            for (var i = 0; i < paths.Count; i++)
            {
                var path = paths[(i + run) % paths.Count];
                try
                {
                    results[path].Add(measure(path));
                }
                catch (Exception ex)
                {
                    var messages = ex is AggregateException aggregate
                        ? aggregate.Flatten().InnerExceptions.Select(e => e.Message).Distinct()
                        : [ex.Message];
                    throw new BenchException($"{what} through {path}: {string.Join("; ", messages)}", ex);
                }
            }

            Console.Error.WriteLine($"  {what}: run {run + 1}/{runs} done");
        }

        return results;
    }

    /// <summary>A plain text message of exactly <paramref name="size"/> octets, CRLF lines of 78 octets.</summary>
    public static byte[] MakeMessage(int size)
    {
        var header = Encoding.ASCII.GetBytes(
            "From: Bench Sender <sender@bench.invalid>\r\n" +
            "To: Bench Receiver <bench@bench.invalid>\r\n" +
            "Subject: FrontDoor benchmark message\r\n" +
            "Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n" +
            "Message-ID: <bench@bench.invalid>\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=us-ascii\r\n" +
            "\r\n");
        var message = new byte[size];
        header.CopyTo(message, 0);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var random = new Random(42);
        var column = 0;
        for (var i = header.Length; i < size; i++)
        {
            if (i >= size - 2)
            {
                message[i] = i == size - 2 ? (byte)'\r' : (byte)'\n';
            }
            else if (column == 76)
            {
                message[i] = (byte)'\r';
                column++;
            }
            else if (column == 77)
            {
                message[i] = (byte)'\n';
                column = 0;
            }
            else
            {
                message[i] = (byte)alphabet[random.Next(alphabet.Length)];
                column++;
            }
        }

        // Never end on a lone CR from the line pattern above.
        if (message[size - 3] == (byte)'\r')
        {
            message[size - 3] = (byte)'A';
        }

        return message;
    }

    /// <summary>Puts the FETCH message in INBOX and an empty APPEND mailbox in both users' stores.</summary>
    public static void Prepare(BenchContext context)
    {
        foreach (var user in new[] { BenchContext.User, BenchContext.SyncUser })
        {
            using var client = ImapClient.ConnectAndLogin(context.Dovecot.Endpoint, user, BenchContext.Password);
            client.Send("c CREATE " + BenchContext.AppendMailbox + "\r\n");
            client.ReadTagged("c", requireOk: false);
        }

        using (var client = ImapClient.ConnectAndLogin(context.Dovecot.Endpoint, BenchContext.User, BenchContext.Password))
        {
            var exists = 0;
            client.Run("s", "SELECT INBOX", line => exists = ParseExists(line, exists));
            if (exists == 0)
            {
                client.Send($"a APPEND INBOX {{{context.Message.Length}+}}\r\n");
                client.Send(context.Message);
                client.Send(Crlf);
                client.ReadTagged("a", requireOk: true);
            }
        }
    }

    private static int ParseExists(string line, int current)
    {
        var parts = line.Split(' ');
        return parts.Length >= 3 && parts[0] == "*" && parts[2] == "EXISTS" && int.TryParse(parts[1], out var n) ? n : current;
    }

    /// <summary>
    /// Scenario 1: FETCH 1 BODY[] of the big message, <see cref="BenchSettings.FetchesPerRun"/> times on one
    /// session; seconds per FETCH from the command to the tagged OK.
    /// </summary>
    public static double Fetch(BenchContext context, BenchPath path)
    {
        using var client = ImapClient.ConnectAndLogin(path.Endpoint(), path.User, BenchContext.Password);
        client.Run("s", "EXAMINE INBOX");
        var fetches = context.Settings.FetchesPerRun;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < fetches; i++)
        {
            client.Send("f FETCH 1 BODY[]\r\n"u8);
            long literalBytes = 0;
            while (true)
            {
                var line = client.ReadLine();
                if (line.StartsWith("f "u8))
                {
                    if (!line[2..].StartsWith("OK"u8))
                    {
                        throw new BenchException($"FETCH through {path.Name}: {Encoding.ASCII.GetString(line)}");
                    }

                    break;
                }

                var size = ImapClient.LiteralSize(line);
                if (size >= 0)
                {
                    literalBytes += size;
                    client.Skip(size);
                }
            }

            if (literalBytes != context.Message.Length)
            {
                throw new BenchException($"FETCH through {path.Name}: got {literalBytes} octets, expected {context.Message.Length}");
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds / fetches;
        client.Run("z", "LOGOUT");
        return elapsed;
    }

    /// <summary>
    /// Scenario 2: APPEND of the big message; seconds from the command line to the tagged OK. A synchronizing
    /// literal waits for the server's "+"; a non-synchronizing one goes at once. Checked afterwards (the
    /// stored size), then the mailbox is emptied outside the timing.
    /// </summary>
    public static double Append(BenchContext context, BenchPath path, bool nonSynchronizing)
    {
        var message = context.Message;
        using var client = ImapClient.ConnectAndLogin(path.Endpoint(), path.User, BenchContext.Password);
        var line = Encoding.ASCII.GetBytes($"a APPEND {BenchContext.AppendMailbox} (\\Seen) {{{message.Length}{(nonSynchronizing ? "+" : "")}}}\r\n");
        var start = Stopwatch.GetTimestamp();
        client.Send(line);
        if (!nonSynchronizing)
        {
            var answer = client.ReadLine();
            if (answer.IsEmpty || answer[0] != (byte)'+')
            {
                throw new BenchException($"APPEND through {path.Name}: expected '+', got '{Encoding.ASCII.GetString(answer)}'");
            }
        }

        client.Send(message);
        client.Send(Crlf);
        client.ReadTaggedOk("a "u8);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;

        var exists = 0;
        long stored = -1;
        client.Run("v1", $"SELECT {BenchContext.AppendMailbox}", l => exists = ParseExists(l, exists));
        client.Run("v2", "FETCH 1 RFC822.SIZE", l =>
        {
            var at = l.IndexOf("RFC822.SIZE ", StringComparison.Ordinal);
            if (at >= 0)
            {
                stored = long.Parse(l[(at + 12)..].TrimEnd(')'), System.Globalization.CultureInfo.InvariantCulture);
            }
        });
        if (exists != 1 || stored != message.Length)
        {
            throw new BenchException($"APPEND through {path.Name}: the mailbox holds {exists} messages of {stored} octets, expected 1 of {message.Length}");
        }

        client.Run("v3", "STORE 1 +FLAGS.SILENT (\\Deleted)");
        client.Run("v4", "CLOSE");
        client.Run("z", "LOGOUT");
        return elapsed;
    }

    /// <summary>
    /// Scenario 3a: NOOP round trips, one at a time, on one logged-in session per path. The paths take turns
    /// command by command (the order rotating), so a busy moment of the machine hits all of them alike.
    /// Each run gives every path's p50 and p99 in µs.
    /// </summary>
    public static Dictionary<BenchPath, List<(double P50, double P99)>> NoopLatency(BenchContext context, IReadOnlyList<BenchPath> paths)
    {
        var settings = context.Settings;
        var count = settings.NoopCount;
        var results = paths.ToDictionary(p => p, _ => new List<(double P50, double P99)>());
        var command = "n NOOP\r\n"u8.ToArray();
        for (var run = -settings.Warmups; run < settings.Runs; run++)
        {
            var clients = new ImapClient[paths.Count];
            try
            {
                for (var j = 0; j < paths.Count; j++)
                {
                    clients[j] = ImapClient.ConnectAndLogin(paths[j].Endpoint(), paths[j].User, BenchContext.Password, 16 * 1024);
                }

                var samples = paths.Select(_ => new long[count]).ToArray();
                for (var i = -Math.Min(500, count * 10); i < count; i++)
                {
                    for (var k = 0; k < paths.Count; k++)
                    {
                        var j = (((k + i) % paths.Count) + paths.Count) % paths.Count;
                        var start = Stopwatch.GetTimestamp();
                        clients[j].Send(command);
                        clients[j].ReadTaggedOk("n "u8);
                        if (i >= 0)
                        {
                            samples[j][i] = Stopwatch.GetTimestamp() - start;
                        }
                    }
                }

                for (var j = 0; j < paths.Count; j++)
                {
                    clients[j].Run("z", "LOGOUT");
                    if (run >= 0)
                    {
                        Array.Sort(samples[j]);
                        results[paths[j]].Add((ToMicroseconds(Percentile(samples[j], 0.50)), ToMicroseconds(Percentile(samples[j], 0.99))));
                    }
                }
            }
            catch (Exception ex) when (ex is not BenchException)
            {
                throw new BenchException($"NOOP latency: {ex.Message}", ex);
            }
            finally
            {
                foreach (var client in clients)
                {
                    client?.Dispose();
                }
            }

            if (run >= 0)
            {
                Console.Error.WriteLine($"  NOOP latency: run {run + 1}/{settings.Runs} done");
            }
        }

        return results;
    }

    private static long Percentile(long[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double ToMicroseconds(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;

    /// <summary>
    /// Scenario 3b: many logged-in sessions at once, each sending batches of pipelined NOOPs and reading
    /// every answer before the next batch; commands per second over all sessions.
    /// </summary>
    public static double Pipelined(BenchContext context, BenchPath path)
    {
        var settings = context.Settings;
        var clients = new ImapClient[settings.PipelineSessions];
        try
        {
            Parallel.For(0, clients.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
                clients[i] = ImapClient.ConnectAndLogin(path.Endpoint(), path.User, BenchContext.Password, 4096));
            var batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("p NOOP\r\n", settings.PipelineDepth)));
            using var go = new ManualResetEventSlim();
            var tasks = clients.Select(c => Task.Run(async () =>
            {
                go.Wait();
                await RunPipelinedSession(c, batch, settings.PipelineDepth, settings.PipelineRounds);
            })).ToArray();
            var start = Stopwatch.GetTimestamp();
            go.Set();
            Task.WaitAll(tasks);
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            return (double)settings.PipelineSessions * settings.PipelineDepth * settings.PipelineRounds / elapsed;
        }
        finally
        {
            foreach (var client in clients)
            {
                client?.Abort();
            }
        }
    }

    private static async Task RunPipelinedSession(ImapClient client, byte[] batch, int depth, int rounds)
    {
        if (!client.Drained)
        {
            throw new BenchException("unexpected data after LOGIN");
        }

        var socket = client.Socket;
        var buffer = new byte[16 * 1024];
        var counter = new TaggedOkCounter();
        for (var round = 0; round < rounds; round++)
        {
            var sent = 0;
            while (sent < batch.Length)
            {
                sent += await socket.SendAsync(batch.AsMemory(sent), SocketFlags.None);
            }

            var seen = 0;
            while (seen < depth)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
                if (received == 0)
                {
                    throw new BenchException("the server closed a pipelined session");
                }

                seen += counter.Count(buffer.AsSpan(0, received));
            }
        }
    }

    /// <summary>Counts "p OK" lines across reads that may split a line anywhere; any other "p" tagged line fails.</summary>
    private struct TaggedOkCounter
    {
        private int _column;
        private uint _head;

        public int Count(ReadOnlySpan<byte> data)
        {
            var count = 0;
            foreach (var b in data)
            {
                if (b == (byte)'\n')
                {
                    if (_column >= 4 && _head == 0x70204F4B)
                    {
                        count++; // "p OK"
                    }
                    else if (_column >= 2 && (_head >> (8 * (Math.Min(_column, 4) - 2))) == 0x7020)
                    {
                        throw new BenchException("a pipelined NOOP was not answered OK");
                    }

                    _column = 0;
                    _head = 0;
                    continue;
                }

                if (_column < 4)
                {
                    _head = (_head << 8) | b;
                }

                _column++;
            }

            return count;
        }
    }
}
