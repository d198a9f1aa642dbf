namespace FrontDoor.Core.Sessions;

/// <summary>
/// Told when a session started with <see cref="ClientSession.Start"/> has ended: the owner of its connection
/// (Hosting's ListenerService) closes it and gives its places under the caps back.
/// </summary>
internal interface ISessionCloser
{
    /// <param name="session">The session that ended; its <see cref="ClientSession.Connection"/> is still open.</param>
    /// <param name="failure">What the session threw (a bug: a session answers for every client and backend fault itself); null when it ended as sessions end.</param>
    void SessionEnded(ClientSession session, Exception? failure);
}
