namespace FrontDoor.Core.Sessions;

/// <summary>
/// The pre-auth timeout of greeted connections that have not sent a byte yet (<see cref="ClientSession"/>):
/// such a connection holds no timer of its own, only its place in one <see cref="DeadlineWheel"/>.
/// </summary>
internal sealed class PreAuthDeadlines(TimeProvider time) : DeadlineWheel(time);
