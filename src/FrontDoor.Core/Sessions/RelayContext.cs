using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Compression;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// What both pumps of one relay read and never change: the two connections, the session and its services, and
/// the places the session holds. The <see cref="Relay"/>'s own part rather than an object of its own, which
/// was one more object per login (bench/README.md, garbage per login); the pumps see only this part.
/// </summary>
internal abstract class RelayContext
{
    protected RelayContext(
        ImapConnection client,
        SerializedWriter clientOutput,
        ImapConnection backend,
        SessionInfo info,
        RelayServices services,
        ILogger logger,
        Diagnostics.ProtocolTrace? trace,
        DeflateSettings? clientCompression,
        SessionSlots slots)
    {
        Client = client;
        ClientOutput = clientOutput;
        Backend = backend;
        Info = info;
        Services = services;
        Logger = logger;
        Trace = trace;
        ClientCompression = clientCompression;
        Slots = slots;
        Counters = services.Counters.For(info.Context.Backend.Name);
    }

    public ImapConnection Client { get; }

    public SerializedWriter ClientOutput { get; }

    public ImapConnection Backend { get; }

    public SessionInfo Info { get; }

    public RelayServices Services { get; }

    public ILogger Logger { get; }

    public Diagnostics.ProtocolTrace? Trace { get; }

    public DeflateSettings? ClientCompression { get; }

    public SessionSlots Slots { get; }

    public SessionContext Session => Info.Context;

    /// <summary>The backend's totals, looked up once so the pumps only add.</summary>
    public BackendCounters Counters { get; }
}
