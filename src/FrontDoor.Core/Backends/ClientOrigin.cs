using System.Net;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Backends;

/// <summary>Where a session comes from, for forwarding to the backend and for logs and limits.</summary>
/// <param name="Client">The client's real address (from the PROXY header when a trusted balancer sent one).</param>
/// <param name="Local">The FrontDoor address the client connected to.</param>
/// <param name="SessionId">FrontDoor's id of the session, shared with the backend in ID.</param>
/// <param name="Connection">The client's connection, which the backend's connection joins on its event loop (<see cref="IBackendDialer"/>).</param>
internal sealed record ClientOrigin(IPEndPoint? Client, IPEndPoint? Local, string SessionId, ImapConnection? Connection = null);
