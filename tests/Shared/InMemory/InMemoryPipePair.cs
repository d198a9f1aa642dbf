using System.IO.Pipelines;

namespace FrontDoor.Testing;

/// <summary>
/// Two <see cref="Pipe"/>s crossed: what one end writes, the other reads (the model is Kestrel's in-memory
/// transport). Each pipe holds at most <paramref name="pauseAt"/> unread octets before its writer waits, as
/// full socket buffers make a TCP sender wait.
/// </summary>
internal static class InMemoryPipePair
{
    /// <summary>
    /// About what a loopback TCP connection's two socket buffers take before a sender waits: a test that
    /// writes a command over the line limit and reads the BYE behaves as it does over TCP.
    /// </summary>
    public const int DefaultPauseAt = 1024 * 1024;

    /// <param name="pauseAt">Unread octets at which a writer waits (back-pressure); it goes on below half of it.</param>
    public static (IDuplexPipe A, IDuplexPipe B) Create(int pauseAt = DefaultPauseAt)
    {
        // Continuations on the thread pool: a peer's read never runs inside the other end's write.
        var options = new PipeOptions(pauseWriterThreshold: pauseAt, resumeWriterThreshold: pauseAt / 2, useSynchronizationContext: false);
        var aToB = new Pipe(options);
        var bToA = new Pipe(options);
        return (new DuplexPipe(bToA.Reader, aToB.Writer), new DuplexPipe(aToB.Reader, bToA.Writer));
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
