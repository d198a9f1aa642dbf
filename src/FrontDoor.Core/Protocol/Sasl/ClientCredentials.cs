namespace FrontDoor.Core.Protocol.Sasl;

/// <summary>
/// What a client logged in with, on its way to the backend: a password (<see cref="LoginCredentials"/>) or an
/// OAuth 2.0 token (<see cref="TokenCredentials"/>). The secret stays in bytes so it can be wiped once the
/// backend has answered, and <see cref="object.ToString"/> never shows it, so it cannot reach a log by accident.
/// </summary>
internal abstract class ClientCredentials : IDisposable
{
    protected ClientCredentials(string user)
    {
        User = user;
    }

    /// <summary>The user FrontDoor routes by.</summary>
    public string User { get; }

    /// <summary>How the login shows in a protocol trace after the tag, the secret replaced by its size.</summary>
    public abstract string TraceText { get; }

    public abstract void Dispose();
}
