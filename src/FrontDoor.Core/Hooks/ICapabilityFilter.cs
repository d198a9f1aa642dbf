using System.Net;

namespace FrontDoor.Core.Hooks;

/// <summary>Where a capability list is about to be shown to a client.</summary>
public enum CapabilityStage
{
    /// <summary>The <c>[CAPABILITY ...]</c> code of FrontDoor's own greeting.</summary>
    Greeting,

    /// <summary>A CAPABILITY response before login, answered by FrontDoor itself.</summary>
    PreAuth,

    /// <summary>After login: the backend's list, in the LOGIN OK code, CAPABILITY responses and any status code.</summary>
    PostAuth,
}

/// <summary>What a filter knows about the list it edits.</summary>
/// <param name="Stage">Where the list is shown.</param>
/// <param name="Backend">The routed backend; null before login.</param>
/// <param name="BackendCapabilities">The backend's own list as it advertised it (read it, do not edit it); null before login.</param>
public sealed record CapabilityContext(CapabilityStage Stage, BackendTarget? Backend, CapabilitySet? BackendCapabilities)
{
    /// <summary>The logged-in session (user, client, listener, ID fields); null before login.</summary>
    public SessionContext? Session { get; init; }

    /// <summary>The listener the client came in on; set at every stage.</summary>
    public string Listener { get; init; } = string.Empty;

    /// <summary>The client's address; set at every stage when known.</summary>
    public IPEndPoint? ClientAddress { get; init; }
}

/// <summary>
/// Edits a capability list before a client sees it. Filters run in ascending <see cref="Order"/>, then in
/// registration order (plugins load in the order of their folder names). Built once at start-up; must be
/// thread-safe. After login a filter runs inside the response hook that rewrites capability lists, so it
/// sees the LOGIN OK's code, every CAPABILITY response and every <c>[CAPABILITY ...]</c> code alike.
/// </summary>
public interface ICapabilityFilter
{
    int Order => 0;

    /// <summary>
    /// Whether <see cref="Filter"/> may change a list shown at <paramref name="stage"/>; asked before every list,
    /// so the answer may follow a setting that is reloaded. A filter is called only for the stages it answers
    /// true for, and a list no filter wants goes out as FrontDoor made it, without a context made for it
    /// (the greeting of every connection had one). Every stage unless a filter says otherwise.
    /// </summary>
    bool Filters(CapabilityStage stage) => true;

    /// <summary>Edits <paramref name="capabilities"/> in place. The list is FrontDoor's again once the call returns (it is reused): keep no reference to it.</summary>
    void Filter(CapabilitySet capabilities, CapabilityContext context);
}
