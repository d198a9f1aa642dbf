using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Compression;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

/// <summary>What both pumps of one relay read and never change: the two connections, the session and its services, and the places the session holds.</summary>
internal sealed record RelayContext(
    ImapConnection Client,
    SerializedWriter ClientOutput,
    ImapConnection Backend,
    SessionInfo Info,
    RelayServices Services,
    ILogger Logger,
    Diagnostics.ProtocolTrace? Trace,
    DeflateSettings? ClientCompression,
    SessionSlots Slots)
{
    public SessionContext Session => Info.Context;

    /// <summary>The backend's totals, looked up once so the pumps only add.</summary>
    public BackendCounters Counters { get; } = Services.Counters.For(Info.Context.Backend.Name);
}
