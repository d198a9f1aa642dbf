using System.Net;
using FrontDoor.Core.Sessions;

namespace FrontDoor.Core.Hosting;

/// <summary>What a parked, greeted connection keeps until its first byte: enough to run its session then.</summary>
/// <param name="Client">The client's address, as its per-address cap counted it.</param>
/// <param name="GreetedAt">A <see cref="TimeProvider"/> timestamp: the pre-auth timeout runs from it.</param>
internal readonly record struct SilentClient(ListenerContext Listener, IPEndPoint Client, string SessionId, long GreetedAt);
