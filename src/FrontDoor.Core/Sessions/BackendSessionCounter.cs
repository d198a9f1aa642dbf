using System.Collections.Concurrent;
using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Sessions;

/// <summary>Logged-in sessions per backend, for its maxSessions cap. A login in progress holds a place.</summary>
internal sealed class BackendSessionCounter
{
    private readonly ConcurrentDictionary<string, StrongBox<int>> _counts = new(StringComparer.OrdinalIgnoreCase);

    public bool TryEnter(BackendTarget backend)
    {
        var box = _counts.GetOrAdd(backend.Name, static _ => new StrongBox<int>());
        var now = Interlocked.Increment(ref box.Value);
        if (backend.MaxSessions > 0 && now > backend.MaxSessions)
        {
            Interlocked.Decrement(ref box.Value);
            return false;
        }

        return true;
    }

    public void Leave(BackendTarget backend)
    {
        if (_counts.TryGetValue(backend.Name, out var box))
        {
            Interlocked.Decrement(ref box.Value);
        }
    }

    public int Count(string backend) => _counts.TryGetValue(backend, out var box) ? Volatile.Read(ref box.Value) : 0;

    private sealed class StrongBox<T>
    {
        public T Value = default!;
    }
}
