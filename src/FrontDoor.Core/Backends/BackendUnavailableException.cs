namespace FrontDoor.Core.Backends;

/// <summary>No endpoint of a backend could be reached and greeted; the client gets NO [UNAVAILABLE].</summary>
internal sealed class BackendUnavailableException : Exception
{
    public BackendUnavailableException(string message, Exception? innerException) : base(message, innerException) { }

    public BackendUnavailableException(string message) : base(message) { }

    public BackendUnavailableException() { }
}

/// <summary>The backend said something FrontDoor cannot follow (bad greeting, BYE, broken framing).</summary>
internal sealed class BackendProtocolException : Exception
{
    public BackendProtocolException(string message) : base(message) { }

    public BackendProtocolException(string message, Exception innerException) : base(message, innerException) { }

    public BackendProtocolException() { }
}
