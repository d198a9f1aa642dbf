using System.IO.Pipelines;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// The client's output, shared by the backend-to-client pump and by answers FrontDoor writes itself
/// (rewriter replies, BYE): one writer at a time, each holding the lock for a whole response or batch.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A SemaphoreSlim whose wait handle is never taken holds nothing to dispose.")]
internal sealed class SerializedWriter
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    public SerializedWriter(PipeWriter writer)
    {
        Writer = writer;
    }

    public PipeWriter Writer { get; private set; }

    public async ValueTask<Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Lease(this);
    }

    /// <summary>Holds the writer; disposing releases it.</summary>
    internal readonly struct Lease : IDisposable
    {
        private readonly SerializedWriter _owner;

        public Lease(SerializedWriter owner)
        {
            _owner = owner;
        }

        public PipeWriter Writer => _owner.Writer;

        /// <summary>From now on the client's output is <paramref name="writer"/> (new pipes under COMPRESS).</summary>
        public void Replace(PipeWriter writer) => _owner.Writer = writer;

        public void Dispose() => _owner._lock.Release();
    }
}
