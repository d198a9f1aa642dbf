using System.IO.Pipelines;

namespace FrontDoor.Testing;

/// <summary>
/// Two <see cref="Pipe"/>s crossed: what one end writes, the other reads (the model is Kestrel's in-memory
/// transport). Each pipe holds at most <see cref="PauseAt"/> unread octets before its writer waits, as a full
/// TCP window makes a sender wait.
/// </summary>
internal static class InMemoryPipePair
{
    public const int PauseAt = 64 * 1024;

    public static (IDuplexPipe A, IDuplexPipe B) Create()
    {
        // Continuations on the thread pool: a peer's read never runs inside the other end's write.
        var options = new PipeOptions(pauseWriterThreshold: PauseAt, resumeWriterThreshold: PauseAt / 2, useSynchronizationContext: false);
        var aToB = new Pipe(options);
        var bToA = new Pipe(options);
        return (new DuplexPipe(bToA.Reader, aToB.Writer), new DuplexPipe(aToB.Reader, bToA.Writer));
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
