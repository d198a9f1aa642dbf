using System.Globalization;
using System.Net;

namespace FrontDoor.Bench;

/// <summary>How big each scenario is: the full run, or the smoke run that ./test.sh calls.</summary>
internal sealed record BenchSettings(
    bool Smoke,
    int Runs,
    int Warmups,
    int MessageSize,
    int FetchesPerRun,
    int NoopCount,
    int PipelineSessions,
    int PipelineDepth,
    int PipelineRounds,
    int PreAuthConnections,
    int AuthSessions,
    int MemoryRuns,
    int MemorySettleMs,
    int MemoryIdleMs,
    int RelayCommands,
    bool Micro)
{
    public static BenchSettings Full(int preAuth, int auth) => new(
        Smoke: false,
        Runs: 9,
        Warmups: 1,
        MessageSize: 50 * 1024 * 1024,
        FetchesPerRun: 3,
        NoopCount: 5000,
        PipelineSessions: 100,
        PipelineDepth: 10,
        PipelineRounds: 200,
        PreAuthConnections: preAuth,
        AuthSessions: auth,
        MemoryRuns: 5,
        MemorySettleMs: 1500,
        MemoryIdleMs: 3000,
        RelayCommands: 20_000,
        Micro: true);

    public static BenchSettings SmokeRun() => new(
        Smoke: true,
        Runs: 1,
        Warmups: 0,
        MessageSize: 1024 * 1024,
        FetchesPerRun: 1,
        NoopCount: 10,
        PipelineSessions: 4,
        PipelineDepth: 5,
        PipelineRounds: 2,
        PreAuthConnections: 20,
        AuthSessions: 20,
        MemoryRuns: 1,
        MemorySettleMs: 100,
        MemoryIdleMs: 300,
        RelayCommands: 200,
        Micro: true);

    public string MessageSizeText => MessageSize % (1024 * 1024) == 0
        ? $"{MessageSize / (1024 * 1024)} MiB"
        : $"{MessageSize.ToString("N0", CultureInfo.InvariantCulture)} octets";
}

internal sealed class BenchContext
{
    public const string User = "bench";
    public const string SyncUser = "benchsync";
    public const string Password = "benchpw";
    public const string AppendMailbox = "bench-append";

    public required string Repo { get; init; }

    public required string Work { get; init; }

    public required string FrontDoorBinary { get; init; }

    public required string PluginDirectory { get; init; }

    public required string NginxBinary { get; init; }

    public required string NginxMailModule { get; init; }

    public required int FileLimit { get; init; }

    public required BenchSettings Settings { get; init; }

    /// <summary>bench/minimap, built by bench.sh; the scale and login scenarios need it.</summary>
    public string? MinimapBinary { get; init; }

    public DovecotInstance Dovecot { get; set; } = null!;

    public byte[] Message { get; set; } = [];
}

/// <summary>One way to reach the Dovecot: direct, through FrontDoor (as a user on one of its backends), through nginx.</summary>
/// <param name="Processes">The proxy's processes (nginx: master and workers), whose CPU time scenario 3c reads; none for direct.</param>
internal sealed record BenchPath(string Name, Func<IPEndPoint> Endpoint, string User, Func<IReadOnlyList<int>>? Processes = null)
{
    public override string ToString() => Name;
}
