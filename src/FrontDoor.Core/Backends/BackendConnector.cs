using System.Net.Sockets;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace FrontDoor.Core.Backends;

/// <summary>
/// Connects to a backend (each endpoint in turn, through its resilience pipeline), reads the greeting and
/// capabilities, then logs the user in. The login itself is not retried: its answer is the user's.
/// </summary>
internal sealed partial class BackendConnector
{
    private readonly ResiliencePipelines _pipelines;
    private readonly ILogger<BackendConnector> _logger;
    private readonly int _maxLineLength;

    public BackendConnector(ResiliencePipelines pipelines, ILogger<BackendConnector> logger, Sessions.SessionLimits limits)
    {
        _pipelines = pipelines;
        _logger = logger;
        _maxLineLength = limits.MaxResponseLineLength;
    }

    public async Task<BackendLoginResult> LoginAsync(BackendTarget backend, LoginCredentials credentials, CancellationToken cancellationToken)
    {
        var (client, endpoint) = await ConnectAsync(backend, cancellationToken).ConfigureAwait(false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(backend.LoginTimeout);
            var response = await client.LoginAsync(credentials, timeout.Token).ConfigureAwait(false);
            if (!response.IsOk)
            {
                await client.Connection.DisposeAsync().ConfigureAwait(false);
                return new BackendLoginResult(response, null, client.Capabilities, endpoint);
            }

            if (response.Capabilities is null)
            {
                // The login OK did not say what is on offer now; ask, since it usually differs from before login.
                await client.RefreshCapabilitiesAsync(timeout.Token).ConfigureAwait(false);
            }

            return new BackendLoginResult(response, client.Connection, client.Capabilities, endpoint);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or BackendProtocolException)
        {
            await client.Connection.DisposeAsync().ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            LogLoginFailed(backend.Name, endpoint.ToString(), ex.GetType().Name);
            throw new BackendUnavailableException($"login on {backend.Name} at {endpoint} failed", ex);
        }
    }

    private async Task<(BackendClient Client, BackendEndpoint Endpoint)> ConnectAsync(BackendTarget backend, CancellationToken cancellationToken)
    {
        Exception? last = null;
        foreach (var endpoint in backend.Endpoints)
        {
            var pipeline = _pipelines.For(backend, endpoint);
            try
            {
                var client = await pipeline.ExecuteAsync(
                    static async (state, token) => await state.Self.ConnectOnceAsync(state.Endpoint, token).ConfigureAwait(false),
                    (Self: this, Endpoint: endpoint),
                    cancellationToken).ConfigureAwait(false);
                return (client, endpoint);
            }
            catch (Exception ex) when (ex is SocketException or IOException or TimeoutRejectedException or BackendProtocolException or BrokenCircuitException)
            {
                LogEndpointFailed(backend.Name, endpoint.ToString(), ex.GetType().Name, ex.Message);
                last = ex;
            }
        }

        throw new BackendUnavailableException($"no endpoint of backend {backend.Name} answered", last);
    }

    private async Task<BackendClient> ConnectOnceAsync(BackendEndpoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        ImapConnection? connection = null;
        try
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken).ConfigureAwait(false);
            connection = new ImapConnection(socket);
            var client = new BackendClient(connection, _maxLineLength);
            await client.ReadGreetingAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            throw;
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Backend {Backend} endpoint {Endpoint} failed: {Error}: {Detail}")]
    private partial void LogEndpointFailed(string backend, string endpoint, string error, string detail);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Login on backend {Backend} at {Endpoint} failed: {Error}")]
    private partial void LogLoginFailed(string backend, string endpoint, string error);
}
