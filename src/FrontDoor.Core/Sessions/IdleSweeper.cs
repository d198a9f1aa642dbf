namespace FrontDoor.Core.Sessions;

/// <summary>
/// The idle timeout of every logged-in session (<see cref="Relay"/>): silence that reaches the backend's
/// idle timeout ends the session. One <see cref="DeadlineWheel"/> for all of them, ticking once a second.
/// </summary>
internal sealed class IdleSweeper(TimeProvider time) : DeadlineWheel(time)
{
    /// <summary>Watches the relay until <see cref="DeadlineWheel.Remove"/> or the returned handle's disposal, whichever is first.</summary>
    public Watching Watch(Relay relay)
    {
        Add(relay);
        return new Watching(this, relay);
    }

    public void Forget(Relay relay) => Remove(relay);

    /// <summary>Forgets the relay when disposed, so a session that fails with an exception is not watched forever.</summary>
    internal readonly struct Watching(IdleSweeper sweeper, Relay relay) : IDisposable
    {
        public void Dispose() => sweeper.Forget(relay);
    }
}
