using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using System.Text;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Events;
using FrontDoor.Core.Protocol.Parking;
using FrontDoor.Core.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Hosting;

/// <summary>
/// Accepts clients on every listener and runs one <see cref="ClientSession"/> each, after the PROXY header
/// (from trusted balancers), the connection limits and implicit TLS. On stop: no new connections, every
/// session is told BYE and closed, and stop waits for them.
/// </summary>
internal sealed partial class ListenerService : IHostedService, IDisposable, ISessionCloser
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(15);
    private static readonly byte[] TooManyConnections = Encoding.ASCII.GetBytes("* BYE [LIMIT] Too many connections, try again later\r\n");

    private readonly FrontDoorOptions _options;
    private readonly SessionServices _services;
    private readonly ILogger<ListenerService> _logger;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly OpenConnections _connections = new();
    private readonly IConnectionListenerFactory _listenerFactory;
    private readonly List<(IConnectionListener Listener, Task Loop)> _listeners = [];
    private readonly Dictionary<string, IPEndPoint> _endpoints = new(StringComparer.OrdinalIgnoreCase);
    private readonly KeyedCounter<string> _perListener = new(StringComparer.OrdinalIgnoreCase);
    private readonly KeyedCounter<IPAddress> _perAddress = new();
    private readonly TokenIntrospections _introspections;

    // Greeted connections waiting for their first byte, as bare descriptors; null where there is no epoll.
    private readonly ParkedSockets<SilentClient>? _parked;

    // Connections from a balancer whose PROXY header is not all there yet; they stay their sockets'.
    private readonly ParkedSockets<HeaderWait>? _awaitingHeader;

    // Parked connections handed back, each resumed on a socket loop (the thread pool where there is none).
    private readonly LoopWork<ParkedWake> _resumes;

    public ListenerService(FrontDoorOptions options, SessionServices services, TokenIntrospections introspections, IConnectionListenerFactory listenerFactory, ILogger<ListenerService> logger)
    {
        _listenerFactory = listenerFactory;
        _introspections = introspections;
        _options = options;
        _services = services;
        _logger = logger;
        _resumes = new LoopWork<ParkedWake>(wake => Resume(wake.Descriptor, wake.Silent, wake.Reason), (_, ex) => LogConnectionFailed(ex));
        if (OperatingSystem.IsLinux())
        {
            _parked = ParkedSockets<SilentClient>.TryCreate(IsSilentTooLong, OnParkedWake);

            // Only where a listener takes PROXY headers (listeners change only with a restart).
            if (options.Listeners.Any(l => l.ProxyProtocol))
            {
                _awaitingHeader = ParkedSockets<HeaderWait>.TryCreate(
                    wait => _services.Time.GetElapsedTime(wait.Since) >= HandshakeTimeout, static (_, wait, wake) => wait.Readable.TrySetResult(wake), ownsDescriptors: false);
            }
        }
    }

    /// <summary>The address each listener is bound to (port 0 in the config becomes the real port).</summary>
    public IReadOnlyDictionary<string, IPEndPoint> Endpoints => _endpoints;

    public int ActiveSessions => _connections.Count;

    /// <summary>Of <see cref="ActiveSessions"/>, the greeted connections waiting for their first byte as bare descriptors.</summary>
    public int ParkedConnections => OperatingSystem.IsLinux() && _parked is not null ? _parked.Count : 0;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The runtime read it when the first socket was made; the executable sets it (src/FrontDoor).
        LogSocketContinuations(InlineSocketCompletions.Enabled ? "inline, on the socket threads" : "on the thread pool");

        // Made now, not at the first wait: a first wait at the descriptor limit could not make its epoll set.
        LogSocketWaits(OperatingSystem.IsLinux() && SocketEventLoop.Enabled ? "FrontDoor's own epoll" : ".NET's socket engine");
        foreach (var listener in _options.Listeners)
        {
            var accepting = _listenerFactory.Listen(listener);
            _endpoints[listener.Name] = accepting.EndPoint;
            LogListening(listener.Name, accepting.EndPoint);
            _listeners.Add((accepting, AcceptLoopAsync(accepting, new ListenerContext(listener, _introspections.For(listener.Name)))));
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var (listener, _) in _listeners)
        {
            listener.Dispose();
        }

        await Task.WhenAll(_listeners.Select(l => l.Loop)).ConfigureAwait(false);
        await _shutdown.CancelAsync().ConfigureAwait(false);

        // No session holds a registration on the token: silent greeted connections are ended through their
        // deadline wheel, logged-in sessions through the registry.
        _services.PreAuthDeadlines.ExpireAll();
        if (OperatingSystem.IsLinux())
        {
            _parked?.WakeAll();
            _awaitingHeader?.WakeAll();
        }

        _services.Relay.Registry.StopTakingCommands();
        LogStopping(_connections.Count);
        try
        {
            await _connections.AllClosedAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogSessionsAbandoned(_connections.Count);
        }
    }

    public void Dispose()
    {
        if (OperatingSystem.IsLinux())
        {
            _parked?.Dispose();
            _awaitingHeader?.Dispose();
        }

        _shutdown.Dispose();
    }

    private bool IsSilentTooLong(SilentClient silent) => _services.Time.GetElapsedTime(silent.GreetedAt) >= _services.Limits.PreAuthTimeout;

    private async Task AcceptLoopAsync(IConnectionListener accepting, ListenerContext listener)
    {
        // Run off the accept loop: a connection's failure is its own and never reaches another. Posted to a
        // socket loop in turn (the thread pool where there is none) rather than a yield at the method's
        // start, so that a connection greeted and parked at once completes the method without an await, and
        // so without its state machine box; the post itself allocates nothing, where a thread-pool work item
        // was 48 B and woke a worker (bench/README.md, "A login's work on the socket loops"). On the loop,
        // the connection runs until its first wait that does not complete at once: a plugin hook that
        // awaits frees the loop meanwhile; one that blocks would stall the loop's other connections.
        var handOff = new LoopWork<ImapConnection>(connection => _ = RunConnectionAsync(connection, listener), (_, ex) => LogConnectionFailed(ex));

        // Null once StopAsync has closed the listener.
        while (await accepting.AcceptAsync().ConfigureAwait(false) is { } connection)
        {
            _connections.Opened();
            handOff.Post(connection);
        }
    }

    /// <summary>One accepted connection, to its close or its parking; it never throws (the accept loop does not watch it).</summary>
    private async Task RunConnectionAsync(ImapConnection connection, ListenerContext listener)
    {
        var options = listener.Options;

        // Once parked, the connection and its places under the caps are the parking's, then Resume's.
        var parked = false;
        try
        {
            if (!_perListener.TryEnter(options.Name, options.MaxConnections))
            {
                await RefuseAsync(connection, options.Name, "listener").ConfigureAwait(false);
                return;
            }

            try
            {
                var client = await ClientAddressAsync(connection, options).ConfigureAwait(false);
                if (client is null)
                {
                    return;
                }

                if (!_perAddress.TryEnter(client.Address, options.MaxConnectionsPerAddress))
                {
                    await connection.TransportStream.WriteAsync(TooManyConnections).ConfigureAwait(false);
                    LogRefused(options.Name, "address");
                    return;
                }

                try
                {
                    if (options.Tls == ListenerTls.Implicit && !await HandshakeAsync(connection, listener).ConfigureAwait(false))
                    {
                        return;
                    }

                    var id = ClientSession.NewId();
                    try
                    {
                        var greeted = await ClientSession.GreetAsync(connection, listener, _services, client, id, _shutdown.Token).ConfigureAwait(false);
                        parked = TryPark(connection, greeted, listener, client);
                        if (parked)
                        {
                            return;
                        }

                        var session = ClientSession.Resume(connection, listener, _services, client, greeted, silentTooLong: false);

                        // Where parking is not possible (not Linux, a PROXY header or TLS already read), a
                        // silent connection is its socket, this await and a few fields: no pipes, buffers or
                        // timer (an async helper here would be one more state machine per silent connection).
                        // However the wait ends (a byte, a close, the stop, the pre-auth timeout), the session
                        // finds out and answers for itself.
                        try
                        {
                            await session.WaitForFirstByteAsync(_shutdown.Token).ConfigureAwait(false);
                        }
                        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                        {
                            // Stopping, or the connection broke: RunAsync says BYE, or finds it closed.
                        }

                        await session.RunAsync(_shutdown.Token).ConfigureAwait(false);
                    }
#pragma warning disable CA1031 // One broken session must not take the listener down; it is logged.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        LogSessionFailed(id, ex);
                    }
                }
                finally
                {
                    if (!parked)
                    {
                        _perAddress.Leave(client.Address);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                // The client went away before its session began.
            }
            finally
            {
                if (!parked)
                {
                    // The place is free before the close: a client that sees the close and reconnects at
                    // once must not be refused for its own old connection.
                    _perListener.Leave(options.Name);
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
#pragma warning disable CA1031 // One broken connection must not take the listener down; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogConnectionFailed(ex);
        }
        finally
        {
            if (!parked)
            {
                _connections.Closed();
            }
        }
    }

    /// <summary>
    /// Parks a greeted connection until its first byte (<see cref="ParkedSockets{TState}"/>): from here to
    /// <see cref="Resume"/> it is a descriptor and a <see cref="SilentClient"/>.
    /// </summary>
    private bool TryPark(ImapConnection connection, Greeted greeted, ListenerContext listener, IPEndPoint client)
    {
        if (_parked is null || greeted.Failed || connection is not SocketConnection socket || !OperatingSystem.IsLinux()
            || !socket.TryDetach(out var descriptor))
        {
            return false;
        }

        _parked.Park(descriptor, new SilentClient(listener, client, greeted.SessionId, greeted.At));
        return true;
    }

    /// <summary>
    /// A parked connection handed back. Woken on the socket loop it parked on, its session resumes right there,
    /// on the thread it then stays on, with no hand-off (bench/README.md, "Parked connections on the socket
    /// loops"). Handed back for the stop (on the stopping thread), or by a parking of its own where connection
    /// sockets do not use the loops (whose thread must not run sessions), it is posted.
    /// </summary>
    private void OnParkedWake(int descriptor, SilentClient silent, ParkedSocketWake reason)
    {
        if (reason == ParkedSocketWake.Stopping || !OperatingSystem.IsLinux() || !SocketEventLoop.Enabled)
        {
            _resumes.Post(new ParkedWake(descriptor, silent, reason));
            return;
        }

        try
        {
            Resume(descriptor, silent, reason);
        }
#pragma warning disable CA1031 // On a loop's thread: one connection's failure is logged, and the loop goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogConnectionFailed(ex);
        }
    }

    /// <summary>A parked connection handed back, for <see cref="_resumes"/>.</summary>
    private readonly record struct ParkedWake(int Descriptor, SilentClient Silent, ParkedSocketWake Reason);

    /// <summary>
    /// A parked connection handed back: its session runs from the first command, as if it had never left.
    /// Not an async method: the session runs on its own (<see cref="ClientSession.Start"/>) and ends in
    /// <see cref="SessionEnded"/>, so no state machine waits here for the session's life.
    /// </summary>
    private void Resume(int descriptor, SilentClient silent, ParkedSocketWake wake)
    {
        ImapConnection connection;
        ClientSession session;
        try
        {
            connection = SocketConnection.Adopt(descriptor);
        }
        catch (SocketException)
        {
            // Reset while parked, so far gone that it cannot be made a socket again.
            LeavePlaces(silent.Listener.Options.Name, silent.Client);
            _connections.Closed();
            return;
        }

        try
        {
            // The client's address is the one kept while parked (the PROXY header's, or the accepted
            // socket's), not read back from the socket made again.
            session = ClientSession.Resume(connection, silent.Listener, _services, silent.Client, new Greeted(silent.SessionId, silent.GreetedAt, Failed: false), wake == ParkedSocketWake.Expired);
        }
#pragma warning disable CA1031 // One broken connection must not take the listener down; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogConnectionFailed(ex);
            LeavePlaces(silent.Listener.Options.Name, silent.Client);
            _ = CloseAsync(connection);
            return;
        }

        // Whatever the run throws, SessionEnded is told.
        session.Start(this, _shutdown.Token);
    }

    /// <summary>The end of a session started by <see cref="Resume"/>: the places given back, then the connection closed.</summary>
    void ISessionCloser.SessionEnded(ClientSession session, Exception? failure)
    {
        if (failure is not null)
        {
            LogSessionFailed(session.Id, failure);
        }

        // The places are free before the close: a client that sees the close and reconnects at once must not
        // be refused for its own old connection.
        LeavePlaces(session.Listener.Options.Name, session.ClientAddress);
        _ = CloseAsync(session.Connection);
    }

    private void LeavePlaces(string listener, IPEndPoint? client)
    {
        if (client is not null)
        {
            _perAddress.Leave(client.Address);
        }

        _perListener.Leave(listener);
    }

    /// <summary>Closes a resumed session's connection; a state machine only when the close has to wait.</summary>
    private async Task CloseAsync(ImapConnection connection)
    {
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // One broken connection must not take the listener down; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogConnectionFailed(ex);
        }
        finally
        {
            _connections.Closed();
        }
    }

    /// <summary>The client's real address: from the PROXY header when the peer is a trusted balancer; null to drop the connection.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<IPEndPoint?> ClientAddressAsync(ImapConnection connection, ListenerOptions options)
    {
        var peer = connection.RemoteEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        if (!options.ProxyProtocol || !IsTrusted(options.TrustedProxies, peer.Address))
        {
            return peer;
        }

        if (connection is SocketConnection socket && OperatingSystem.IsLinux() && _awaitingHeader is not null)
        {
            switch (await ReadProxyHeaderWithoutStreamAsync(socket, _awaitingHeader).ConfigureAwait(false))
            {
                case (ProxyHeaderStatus.Complete, var client):
                    return client ?? peer;
                case (ProxyHeaderStatus.Closed, _):
                    LogClosedBeforeProxyHeader(options.Name, peer);
                    return null;
                case (ProxyHeaderStatus.Incomplete, _):
                    LogBadProxyHeader(options.Name, peer, "no complete PROXY header in time, or FrontDoor is stopping");
                    return null;
            }

            // Invalid: read from the stream, which says what is wrong.
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        timeout.CancelAfter(HandshakeTimeout);
        try
        {
            return await ProxyProtocolHeader.ReadAsync(connection.TransportStream, timeout.Token).ConfigureAwait(false) ?? peer;
        }
        catch (EndOfStreamException)
        {
            // A balancer's connect check opens and closes without a byte: not an error worth a warning.
            LogClosedBeforeProxyHeader(options.Name, peer);
            return null;
        }
        catch (Exception ex) when (ex is InvalidDataException or OperationCanceledException)
        {
            LogBadProxyHeader(options.Name, peer, ex.Message);
            return null;
        }
    }

    /// <summary>A loop rather than a lambda over the peer: the closure was made for every connection, PROXY protocol or not.</summary>
    private static bool IsTrusted(IReadOnlyList<System.Net.IPNetwork> proxies, IPAddress peer)
    {
        var address = peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer;
        for (var i = 0; i < proxies.Count; i++)
        {
            if (proxies[i].Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Reads the PROXY header from the socket's queue, waiting in <see cref="_awaitingHeader"/> while it is
    /// not all there: the connection keeps no stream, so once greeted it can be parked.
    /// </summary>
    /// <returns>Incomplete: the handshake timeout passed, or FrontDoor is stopping. Invalid: nothing consumed.</returns>
    [SupportedOSPlatform("linux")]
    private async Task<(ProxyHeaderStatus Status, IPEndPoint? Client)> ReadProxyHeaderWithoutStreamAsync(SocketConnection socket, ParkedSockets<HeaderWait> waits)
    {
        var since = _services.Time.GetTimestamp();
        while (true)
        {
            var status = socket.TryReadProxyHeaderWithoutWaiting(out var client);
            if (status != ProxyHeaderStatus.Incomplete)
            {
                return (status, client);
            }

            var readable = new TaskCompletionSource<ParkedSocketWake>(TaskCreationOptions.RunContinuationsAsynchronously);
            waits.Park(socket.Descriptor, new HeaderWait(readable, since));
            if (await readable.Task.ConfigureAwait(false) != ParkedSocketWake.Readable)
            {
                return (ProxyHeaderStatus.Incomplete, null);
            }
        }
    }

    private async Task<bool> HandshakeAsync(ImapConnection connection, ListenerContext listener)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        timeout.CancelAfter(HandshakeTimeout);
        try
        {
            await connection.StartTlsAsServerAsync(listener.TlsOptions!, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException or OperationCanceledException)
        {
            LogHandshakeFailed(listener.Name, ex.Message);
            return false;
        }
    }

    private async Task RefuseAsync(ImapConnection connection, string listener, string limit)
    {
        LogRefused(listener, limit);
        try
        {
            await connection.SendAsync(TooManyConnections, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            // It was only a courtesy.
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Listener {Listener} on {Endpoint}")]
    private partial void LogListening(string listener, IPEndPoint endpoint);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Stopping: telling {Count} sessions BYE")]
    private partial void LogStopping(int count);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Stop timed out with {Count} sessions still open")]
    private partial void LogSessionsAbandoned(int count);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Error, Message = "Connection failed before its session began")]
    private partial void LogConnectionFailed(Exception exception);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "Socket continuations run {Mode}")]
    private partial void LogSocketContinuations(string mode);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "Connection sockets wait on {Engine}")]
    private partial void LogSocketWaits(string engine);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Session {SessionId} failed")]
    private partial void LogSessionFailed(string sessionId, Exception exception);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Listener {Listener}: connection refused, {Limit} connection limit reached")]
    private partial void LogRefused(string listener, string limit);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Listener {Listener}: bad PROXY header from {Peer}: {Error}")]
    private partial void LogBadProxyHeader(string listener, IPEndPoint peer, string error);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Debug, Message = "Listener {Listener}: {Peer} closed before its PROXY header (a balancer's connect check)")]
    private partial void LogClosedBeforeProxyHeader(string listener, IPEndPoint peer);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Listener {Listener}: TLS handshake failed: {Error}")]
    private partial void LogHandshakeFailed(string listener, string error);
}
