namespace FrontDoor.Core.Sessions;

/// <summary>What every relay shares, built once at start-up.</summary>
internal sealed record RelayServices(
    CommandRewriterChain Rewriters,
    ResponseRewriterChain Responses,
    RelayCounters Counters,
    SessionLimits Limits,
    TimeProvider Time,
    IdleSweeper Idle,
    SessionRegistry Registry);
