using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Backends;

/// <summary>The backend's answer to the user's login, with the connection when it succeeded.</summary>
internal sealed record BackendLoginResult(BackendResponse Response, ImapConnection? Connection, CapabilitySet Capabilities, BackendEndpoint Endpoint);
