using FrontDoor.Core.Protocol.Parking;

namespace FrontDoor.Core.Hosting;

/// <summary>A balancer's connection waiting for the rest of its PROXY header, since a <see cref="TimeProvider"/> timestamp.</summary>
internal readonly record struct HeaderWait(TaskCompletionSource<ParkedSocketWake> Readable, long Since);
