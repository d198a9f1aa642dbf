using System.Collections.Concurrent;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// Relay totals per backend (bytes, literal conversions, drains, capability rewrites), kept until the
/// metrics work exports them through System.Diagnostics.Metrics. Each relay looks its backend's counters
/// up once, so the hot path only adds.
/// </summary>
internal sealed class RelayCounters
{
    private readonly ConcurrentDictionary<string, BackendCounters> _backends = new(StringComparer.OrdinalIgnoreCase);

    public BackendCounters For(string backend) => _backends.GetOrAdd(backend, static _ => new BackendCounters());

    public IReadOnlyDictionary<string, BackendCounters> Snapshot() => new Dictionary<string, BackendCounters>(_backends, StringComparer.OrdinalIgnoreCase);
}

/// <summary>The counters of one backend; updated from many sessions at once.</summary>
internal sealed class BackendCounters
{
    private long _bytesToBackend;
    private long _bytesToClient;
    private long _literalsSynchronized;
    private long _commandsDrained;
    private long _literalBytesDrained;
    private long _capabilityRewrites;
    private long _splicedToClient;

    public long BytesToBackend => Interlocked.Read(ref _bytesToBackend);

    public long BytesToClient => Interlocked.Read(ref _bytesToClient);

    /// <summary>Non-synchronizing literals sent to the backend as synchronizing ones.</summary>
    public long LiteralsSynchronized => Interlocked.Read(ref _literalsSynchronized);

    /// <summary>Commands whose converted literal the backend refused, so their octets were drained.</summary>
    public long CommandsDrained => Interlocked.Read(ref _commandsDrained);

    public long LiteralBytesDrained => Interlocked.Read(ref _literalBytesDrained);

    /// <summary>Capability responses re-serialized through the filters.</summary>
    public long CapabilityRewrites => Interlocked.Read(ref _capabilityRewrites);

    /// <summary>Of <see cref="BytesToClient"/>, the octets moved from socket to socket by splice(2), never copied into FrontDoor.</summary>
    public long SplicedToClient => Interlocked.Read(ref _splicedToClient);

    public void AddSplicedToClient(long bytes) => Interlocked.Add(ref _splicedToClient, bytes);

    public void AddToBackend(long bytes) => Interlocked.Add(ref _bytesToBackend, bytes);

    public void AddToClient(long bytes) => Interlocked.Add(ref _bytesToClient, bytes);

    public void LiteralSynchronized() => Interlocked.Increment(ref _literalsSynchronized);

    public void CommandDrained() => Interlocked.Increment(ref _commandsDrained);

    public void Drained(long bytes) => Interlocked.Add(ref _literalBytesDrained, bytes);

    public void CapabilityRewritten() => Interlocked.Increment(ref _capabilityRewrites);
}
