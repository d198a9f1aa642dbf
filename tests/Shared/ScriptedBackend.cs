using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using FrontDoor.Core.Hooks;

namespace FrontDoor.Testing;

/// <summary>
/// An in-process FAKE IMAP backend that plays a script, for exact wire bytes and for faults no real server
/// can be made to show (a backend that never answers, closes mid-response, sends odd continuations).
/// End-to-end behaviour is tested against real Dovecot instead. It listens on loopback TCP, or in memory
/// (<see cref="InMemoryBackends"/>) for a FrontDoor host on the in-memory transport.
/// </summary>
internal sealed class ScriptedBackend : IAsyncDisposable
{
    public const string DefaultCapabilities = "IMAP4rev1 LITERAL+ IDLE";

    private readonly TcpListener? _listener;
    private readonly Channel<DuplexPipeStream>? _inMemory;
    private readonly Task _run;
    private readonly List<RawImapClient> _connections = [];

    private ScriptedBackend(TcpListener listener, Func<RawImapClient, int, Task> script, int connections)
    {
        _listener = listener;
        var bound = (IPEndPoint)listener.LocalEndpoint;
        Endpoint = new BackendEndpoint("127.0.0.1", bound.Port);
        _run = RunAsync(script, connections);
    }

    private ScriptedBackend(Func<RawImapClient, int, Task> script, int connections)
    {
        var accepted = Channel.CreateUnbounded<DuplexPipeStream>();
        _inMemory = accepted;
        Endpoint = InMemoryBackends.Network.Listen(stream => accepted.Writer.TryWrite(stream));
        _run = RunAsync(script, connections);
    }

    /// <summary>Where FrontDoor reaches it: <c>127.0.0.1:port</c>, or a made-up <c>scripted-N.invalid:143</c> in memory.</summary>
    public BackendEndpoint Endpoint { get; }

    /// <summary><see cref="Endpoint"/> as a config's <c>endpoint</c> attribute writes it.</summary>
    public string Address => $"{Endpoint.Host}:{Endpoint.Port}";

    /// <summary>The TCP port (meaningless in memory).</summary>
    public int Port => Endpoint.Port;

    /// <summary>Accepts one connection and plays <paramref name="script"/> on it.</summary>
    public static ScriptedBackend Start(Func<RawImapClient, Task> script, TestTransport transport = TestTransport.Tcp) =>
        Start((connection, _) => script(connection), 1, transport);

    /// <summary>Accepts <paramref name="connections"/> connections one after another; the script gets each one's index.</summary>
    public static ScriptedBackend Start(Func<RawImapClient, int, Task> script, int connections, TestTransport transport = TestTransport.Tcp)
    {
        if (transport == TestTransport.InMemory)
        {
            return new ScriptedBackend(script, connections);
        }

        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new ScriptedBackend(listener, script, connections);
    }

    /// <summary>One connection, in memory: reached only by a FrontDoor host on <see cref="TestTransport.InMemory"/>.</summary>
    public static ScriptedBackend InMemory(Func<RawImapClient, Task> script) => Start(script, TestTransport.InMemory);

    /// <summary><paramref name="connections"/> connections one after another, in memory.</summary>
    public static ScriptedBackend InMemory(Func<RawImapClient, int, Task> script, int connections) => Start(script, connections, TestTransport.InMemory);

    /// <summary>Completes when the script has run; throws what the script threw (its assertions).</summary>
    public Task Completion => _run;

    /// <summary>Everything FrontDoor sent to this backend on its last connection.</summary>
    public string Received => _connections.Count == 0 ? string.Empty : _connections[^1].Received;

    public async ValueTask DisposeAsync()
    {
        _listener?.Stop();
        if (_inMemory is not null)
        {
            InMemoryBackends.Network.Stop(Endpoint);
            _inMemory.Writer.TryComplete();
        }

        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    private async Task RunAsync(Func<RawImapClient, int, Task> script, int connections)
    {
        for (var i = 0; i < connections; i++)
        {
            var connection = await AcceptAsync();
            _connections.Add(connection);
            await script(connection, i);
        }
    }

    private async Task<RawImapClient> AcceptAsync()
    {
        if (_inMemory is not null)
        {
            return new RawImapClient(await _inMemory.Reader.ReadAsync());
        }

        var tcp = await _listener!.AcceptTcpClientAsync();
        tcp.NoDelay = true;
        return new RawImapClient(tcp);
    }
}

internal static class ScriptedBackendSteps
{
    /// <summary>Greets, accepts FrontDoor's LOGIN, and answers OK with <paramref name="capabilities"/>.</summary>
    public static async Task GreetAndLoginAsync(this RawImapClient backend, string capabilities = ScriptedBackend.DefaultCapabilities)
    {
        await backend.SendAsync($"* OK [CAPABILITY {capabilities} AUTH=PLAIN] fake backend ready\r\n");
        var login = await backend.ReadLineAsync() ?? throw new EndOfStreamException("no LOGIN");
        var tag = login.Split(' ')[0];
        if (!login.Contains(" LOGIN ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("expected LOGIN, got " + login);
        }

        await backend.SendAsync($"{tag} OK [CAPABILITY {capabilities}] Logged in\r\n");
    }

    /// <summary>Reads a line and fails unless it is exactly <paramref name="expected"/>.</summary>
    public static async Task ExpectLineAsync(this RawImapClient peer, string expected)
    {
        var line = await peer.ReadLineAsync();
        if (line != expected)
        {
            throw new InvalidOperationException($"expected \"{expected}\", got \"{line ?? "<closed>"}\"");
        }
    }
}
