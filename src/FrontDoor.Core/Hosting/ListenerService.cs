using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Hosting;

/// <summary>
/// Accepts clients on every listener and runs one <see cref="ClientSession"/> each. On stop: no new
/// connections, every session is told BYE and closed, and stop waits for them.
/// </summary>
internal sealed partial class ListenerService : IHostedService, IDisposable
{
    private readonly FrontDoorOptions _options;
    private readonly SessionServices _services;
    private readonly ILogger<ListenerService> _logger;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<Task, byte> _sessions = new();
    private readonly List<(Socket Socket, Task Loop)> _listeners = [];
    private readonly Dictionary<string, IPEndPoint> _endpoints = new(StringComparer.OrdinalIgnoreCase);

    public ListenerService(FrontDoorOptions options, SessionServices services, ILogger<ListenerService> logger)
    {
        _options = options;
        _services = services;
        _logger = logger;
    }

    /// <summary>The address each listener is bound to (port 0 in the config becomes the real port).</summary>
    public IReadOnlyDictionary<string, IPEndPoint> Endpoints => _endpoints;

    public int ActiveSessions => _sessions.Count;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var listener in _options.Listeners)
        {
            var socket = new Socket(listener.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(listener.Endpoint);
                socket.Listen(1024);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                throw new FrontDoorConfigurationException($"<listener name=\"{listener.Name}\"> endpoint=\"{listener.Endpoint}\": cannot listen: {ex.Message}", ex);
            }

            var bound = (IPEndPoint)socket.LocalEndPoint!;
            _endpoints[listener.Name] = bound;
            LogListening(listener.Name, bound);
            _listeners.Add((socket, AcceptLoopAsync(socket, new ListenerContext(listener.Name))));
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var (socket, _) in _listeners)
        {
            socket.Dispose();
        }

        await Task.WhenAll(_listeners.Select(l => l.Loop)).ConfigureAwait(false);
        await _shutdown.CancelAsync().ConfigureAwait(false);
        LogStopping(_sessions.Count);
        try
        {
            await Task.WhenAll(_sessions.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogSessionsAbandoned(_sessions.Count);
        }
    }

    public void Dispose() => _shutdown.Dispose();

    private async Task AcceptLoopAsync(Socket listenSocket, ListenerContext listener)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listenSocket.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
            {
                // The listener was closed by StopAsync, or the accept itself failed for this connection.
                if (ex is SocketException && listenSocket.SafeHandle.IsClosed is false)
                {
                    continue;
                }

                return;
            }

            var session = new ClientSession(new ImapConnection(socket), listener, _services);
            var task = RunSessionAsync(session);
            _sessions.TryAdd(task, 0);
            _ = task.ContinueWith(t => _sessions.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task RunSessionAsync(ClientSession session)
    {
        // Run off the accept loop; a session's failure is its own and never reaches another.
        await Task.Yield();
        try
        {
            await session.RunAsync(_shutdown.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // One broken session must not take the listener down; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogSessionFailed(session.Id, ex);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Listener {Listener} on {Endpoint}")]
    private partial void LogListening(string listener, IPEndPoint endpoint);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Stopping: telling {Count} sessions BYE")]
    private partial void LogStopping(int count);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Stop timed out with {Count} sessions still open")]
    private partial void LogSessionsAbandoned(int count);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Session {SessionId} failed")]
    private partial void LogSessionFailed(string sessionId, Exception exception);
}
