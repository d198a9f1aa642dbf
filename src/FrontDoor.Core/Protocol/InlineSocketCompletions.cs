namespace FrontDoor.Core.Protocol;

/// <summary>
/// Runs socket continuations on the runtime's socket event threads (one per core) instead of handing each to
/// the thread pool. A relayed command then costs no thread-pool hop each way, which on the bench machine
/// halves the latency FrontDoor adds to a NOOP and brings pipelined throughput level with nginx's
/// (bench/RESULTS.md, before and after). The mode requires that continuations never block; FrontDoor's do not
/// (no sync-over-async; the only file writes are the opt-in protocol trace's, buffered). The one place that
/// names the variable: the executable sets it, FrontDoor's own event loop follows it, start-up logs it.
/// </summary>
internal static class InlineSocketCompletions
{
    /// <summary>Read once by the runtime, when the first socket is created.</summary>
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    // Read at the first look, which comes after the executable's PreferUnlessSet (before any socket exists),
    // as the runtime's own read does.
    private static readonly Lazy<bool> Set = new(() => Environment.GetEnvironmentVariable(Variable) == "1");

    /// <summary>True when continuations run inline, on the socket threads (FrontDoor's default).</summary>
    public static bool Enabled => Set.Value;

    /// <summary>
    /// Turns the mode on unless the environment already says (an operator may set the variable to 0). Must run
    /// before the process creates any socket.
    /// </summary>
    public static void PreferUnlessSet()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }
    }
}
