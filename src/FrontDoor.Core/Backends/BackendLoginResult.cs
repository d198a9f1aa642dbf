using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Backends;

/// <summary>The backend's answer to the user's login, with the connection when it succeeded. A value: it only carries the answer to the login flow (bench/README.md, garbage per login).</summary>
internal readonly record struct BackendLoginResult(BackendResponse Response, ImapConnection? Connection, CapabilitySet Capabilities, BackendEndpoint Endpoint);
