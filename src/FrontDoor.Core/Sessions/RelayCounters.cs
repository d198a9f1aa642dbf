namespace FrontDoor.Core.Sessions;

/// <summary>
/// Process-wide relay totals (bytes, literal conversions, drains, capability rewrites). Kept here until the
/// metrics work exports them through System.Diagnostics.Metrics.
/// </summary>
internal sealed class RelayCounters
{
    private long _bytesToBackend;
    private long _bytesToClient;
    private long _literalsSynchronized;
    private long _literalBytesDrained;
    private long _capabilityRewrites;

    public long BytesToBackend => Interlocked.Read(ref _bytesToBackend);

    public long BytesToClient => Interlocked.Read(ref _bytesToClient);

    public long LiteralsSynchronized => Interlocked.Read(ref _literalsSynchronized);

    public long LiteralBytesDrained => Interlocked.Read(ref _literalBytesDrained);

    public long CapabilityRewrites => Interlocked.Read(ref _capabilityRewrites);

    public void AddToBackend(long bytes) => Interlocked.Add(ref _bytesToBackend, bytes);

    public void AddToClient(long bytes) => Interlocked.Add(ref _bytesToClient, bytes);

    public void LiteralSynchronized() => Interlocked.Increment(ref _literalsSynchronized);

    public void Drained(long bytes) => Interlocked.Add(ref _literalBytesDrained, bytes);

    public void CapabilityRewritten() => Interlocked.Increment(ref _capabilityRewrites);
}
