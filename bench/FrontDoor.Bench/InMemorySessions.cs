using System.Globalization;
using System.Text;
using FrontDoor.Testing;

namespace FrontDoor.Bench;

/// <summary>
/// Scenario 10's idle clients: ends of in-memory pairs (tests/Shared/InMemory), each greeted and logged in
/// as a user of its own, then held silent: no pending read, no buffer, no timer. A failed connection is
/// counted, not thrown, so that one bad login among 100,000 shows as an error in the table.
/// </summary>
internal sealed class InMemorySessions : IDisposable
{
    public const int Concurrency = 64;

    private readonly DuplexPipeStream?[] _clients;
    private int _failed;
    private int _unread;

    private InMemorySessions(int count)
    {
        _clients = new DuplexPipeStream?[count];
    }

    /// <summary>Connections whose greeting or login failed.</summary>
    public int Failed => _failed;

    /// <summary>The first failure, for the log.</summary>
    public string? FirstFailure { get; private set; }

    /// <summary>Opens <paramref name="count"/> sessions, <see cref="Concurrency"/> at a time, each through <paramref name="connect"/>.</summary>
    public static async Task<InMemorySessions> OpenAsync(Func<DuplexPipeStream> connect, int count)
    {
        var sessions = new InMemorySessions(count);
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, _) => await sessions.OpenOneAsync(connect, i));
        return sessions;
    }

    /// <summary>
    /// Logged-in sessions that heard anything since their login (a BYE, an end, an untagged response): an
    /// idle session hears nothing. Each client's end is asked once, without waiting.
    /// </summary>
    public int HeardSomething()
    {
        var heard = _unread;
        foreach (var client in _clients)
        {
            // A zero-byte read completes at once when octets or the end are there; else it waits until Dispose.
            if (client is not null && client.ReadAsync(Memory<byte>.Empty).AsTask().IsCompleted)
            {
                heard++;
            }
        }

        return heard;
    }

    /// <summary>Every client aborts its end, as a process that dies does.</summary>
    public void Dispose()
    {
        for (var i = 0; i < _clients.Length; i++)
        {
            _clients[i]?.Dispose();
            _clients[i] = null;
        }
    }

    private async Task OpenOneAsync(Func<DuplexPipeStream> connect, int i)
    {
        try
        {
            var stream = connect();
            _clients[i] = stream;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var reader = new LineReader((buffer, ct) => stream.ReadAsync(buffer, ct));
            var line = await reader.ReadLineAsync(timeout.Token);
            if (!line.StartsWith("* OK", StringComparison.Ordinal))
            {
                throw new BenchException($"greeting '{line}'");
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"l LOGIN u{i} \"{BenchContext.Password}\"\r\n")), timeout.Token);
            do
            {
                line = await reader.ReadLineAsync(timeout.Token);
            }
            while (!line.StartsWith("l ", StringComparison.Ordinal));

            if (!line.StartsWith("l OK", StringComparison.Ordinal))
            {
                throw new BenchException($"login answered '{line}'");
            }

            if (reader.HasUnread)
            {
                Interlocked.Increment(ref _unread);
            }
        }
        catch (Exception ex) when (ex is BenchException or IOException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            if (Interlocked.Increment(ref _failed) == 1)
            {
                FirstFailure = $"session {i}: {ex.Message}";
            }
        }
    }
}
