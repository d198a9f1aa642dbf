using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Sasl;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace FrontDoor.Core.Backends;

/// <summary>
/// Connects to a backend (each endpoint in turn, through its resilience pipeline), starts TLS as the
/// backend says, reads the greeting and capabilities, then logs the user in. The login itself is not
/// retried: its answer is the user's. The whole of it is bounded by the backend's loginTimeout.
/// </summary>
internal sealed partial class BackendConnector
{
    private readonly ResiliencePipelines _pipelines;
    private readonly IBackendDialer _dialer;
    private readonly BackendCertificateValidator _certificates = new();
    private readonly ILogger<BackendConnector> _logger;
    private readonly Diagnostics.FrontDoorMetrics _metrics;
    private readonly int _maxLineLength;

    /// <param name="maxResponseLine">The longest backend response line read before login (the relay's own limit afterwards).</param>
    public BackendConnector(ResiliencePipelines pipelines, IBackendDialer dialer, ILogger<BackendConnector> logger, int maxResponseLine, Diagnostics.FrontDoorMetrics metrics)
    {
        _dialer = dialer;
        _metrics = metrics;
        _pipelines = pipelines;
        _logger = logger;
        _maxLineLength = maxResponseLine;
    }

    /// <param name="clientChallenge">Relays a challenge the backend sends during a token login to the client and back.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<BackendLoginResult> LoginAsync(BackendTarget backend, ClientCredentials credentials, ClientOrigin origin, ClientChallenge clientChallenge, CancellationToken cancellationToken)
    {
        using var deadline = PooledDeadline.Start(backend.LoginTimeout, cancellationToken);
        var (client, endpoint) = await ConnectAsync(backend, origin, deadline.Token).ConfigureAwait(false);
        try
        {
            if (backend.ForwardClientAddress == ClientAddressForwarding.Id)
            {
                await client.SendClientAddressAsync(origin, deadline.Token).ConfigureAwait(false);
            }

            var response = await client.LoginAsync(credentials, clientChallenge, deadline.Token).ConfigureAwait(false);
            if (!response.IsOk)
            {
                await client.Connection.DisposeAsync().ConfigureAwait(false);
                return new BackendLoginResult(response, null, client.Capabilities, endpoint);
            }

            if (response.Capabilities is null)
            {
                // The login OK did not say what is on offer now; ask, since it usually differs from before login.
                await client.RefreshCapabilitiesAsync(deadline.Token).ConfigureAwait(false);
            }

            if (backend.CompressBackend && Protocol.Compression.ZLibNative.IsAvailable)
            {
                var compressed = await client.CompressAsync(deadline.Token).ConfigureAwait(false);
                LogBackendCompression(backend.Name, compressed);
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

            LogLoginFailed(backend.Name, endpoint, ex.GetType().Name);
            throw new BackendUnavailableException($"login on {backend.Name} at {endpoint} failed", ex);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(BackendClient Client, BackendEndpoint Endpoint)> ConnectAsync(BackendTarget backend, ClientOrigin origin, CancellationToken cancellationToken)
    {
        Exception? last = null;
        // By index: a foreach over the list's interface boxed an enumerator per login.
        var endpoints = backend.Endpoints;
        for (var i = 0; i < endpoints.Count; i++)
        {
            var endpoint = endpoints[i];
            try
            {
                // The attempt returns its outcome rather than throwing: Polly then wraps nothing around it
                // (bench/README.md, garbage per login).
                var outcome = await _pipelines.ExecuteAsync(
                    backend,
                    endpoint,
                    static (state, token) => state.Self.ConnectOnceAsync(state.Backend, state.Endpoint, state.Origin, token),
                    (Self: this, Backend: backend, Endpoint: endpoint, Origin: origin),
                    cancellationToken).ConfigureAwait(false);
                outcome.ThrowIfException();
                return (outcome.Result!, endpoint);
            }
            catch (Exception ex) when (ex is SocketException or IOException or TimeoutRejectedException or AuthenticationException or BackendProtocolException or BrokenCircuitException)
            {
                LogEndpointFailed(backend.Name, endpoint, ex.GetType().Name, ex.Message);
                last = ex;
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested || ex.CancellationToken != cancellationToken)
            {
                last = ex;
            }
            catch (OperationCanceledException ex)
            {
                // The login's overall deadline (or shutdown) ran out while this endpoint was tried.
                last = ex;
                break;
            }
        }

        throw new BackendUnavailableException($"no endpoint of backend {backend.Name} answered", last);
    }

    /// <summary>One attempt: connect, TLS as configured, greeting. Never throws: a failure is the outcome's exception, for the pipeline to judge.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Outcome<BackendClient>> ConnectOnceAsync(BackendTarget backend, BackendEndpoint endpoint, ClientOrigin origin, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        ImapConnection? connection = null;
        try
        {
            connection = await _dialer.ConnectAsync(endpoint, origin.Connection, cancellationToken).ConfigureAwait(false);
            if (backend.ForwardClientAddress == ClientAddressForwarding.Proxy && origin.Client is { } source && origin.Local is { } destination)
            {
                await connection.TransportStream.WriteAsync(ProxyProtocolHeader.WriteV2(source, destination), cancellationToken).ConfigureAwait(false);
            }

            if (backend.Tls == BackendTlsMode.Implicit)
            {
                await connection.StartTlsAsClientAsync(_certificates.OptionsFor(backend, endpoint), cancellationToken).ConfigureAwait(false);
            }

            var client = new BackendClient(connection, _maxLineLength);
            await client.ReadGreetingAsync(cancellationToken).ConfigureAwait(false);
            if (backend.Tls == BackendTlsMode.StartTls)
            {
                await client.StartTlsAsync(_certificates.OptionsFor(backend, endpoint), cancellationToken).ConfigureAwait(false);
            }

            _metrics.BackendConnected(backend.Name, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            return Outcome.FromResult(client);
        }
#pragma warning disable CA1031 // Not swallowed: the outcome carries it to the pipeline, and on to the caller.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _metrics.BackendConnectFailed(backend.Name);
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            return Outcome.FromException<BackendClient>(ex);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Backend {Backend} endpoint {Endpoint} failed: {Error}: {Detail}")]
    private partial void LogEndpointFailed(string backend, BackendEndpoint endpoint, string error, string detail);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "compressBackend on backend {Backend}: COMPRESS=DEFLATE active {Active}")]
    private partial void LogBackendCompression(string backend, bool active);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Login on backend {Backend} at {Endpoint} failed: {Error}")]
    private partial void LogLoginFailed(string backend, BackendEndpoint endpoint, string error);
}
