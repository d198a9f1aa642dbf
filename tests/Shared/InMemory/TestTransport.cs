namespace FrontDoor.Testing;

/// <summary>What a test's FrontDoor, clients and scripted backends talk over.</summary>
internal enum TestTransport
{
    /// <summary>Loopback TCP, as in production.</summary>
    Tcp,

    /// <summary>In-memory pipe pairs (tests/Shared/InMemory): no sockets, no ports.</summary>
    InMemory,
}
