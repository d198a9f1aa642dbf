using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Sessions;

/// <summary>Logged-in sessions per backend, for its maxSessions cap. A login in progress holds a place.</summary>
internal sealed class BackendSessionCounter
{
    private readonly KeyedCounter<string> _counts = new(StringComparer.OrdinalIgnoreCase);

    public bool TryEnter(BackendTarget backend) => _counts.TryEnter(backend.Name, backend.MaxSessions);

    public void Leave(BackendTarget backend) => _counts.Leave(backend.Name);

    public int Count(string backend) => _counts.Count(backend);
}
