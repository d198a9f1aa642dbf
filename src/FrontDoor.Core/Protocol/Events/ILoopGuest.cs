namespace FrontDoor.Core.Protocol.Events;

/// <summary>
/// Descriptors a <see cref="SocketEventLoop"/> watches for someone other than a <see cref="SocketReadiness"/>:
/// the parked silent connections, which are bare descriptors with no socket object. Each watch is one-shot:
/// its first event is the guest's, and the loop forgets the watch's slot before telling it
/// (<see cref="SocketEventLoop.EnlistGuest"/>).
/// </summary>
internal interface ILoopGuest
{
    /// <summary>On the loop's thread: the descriptor enlisted with <paramref name="key"/> is readable, closed or failed. Must not block or throw.</summary>
    void OnEvent(ulong key);

    /// <summary>On the loop's thread, about once a second while the guest is a ticker (<see cref="SocketEventLoop.AddTicker"/>). Must not block or throw.</summary>
    void Tick();
}
