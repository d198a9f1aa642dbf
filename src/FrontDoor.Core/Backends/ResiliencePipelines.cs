using System.Net.Sockets;
using System.Security.Authentication;
using FrontDoor.Core.Hooks;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace FrontDoor.Core.Backends;

/// <summary>
/// One Polly pipeline per backend endpoint (so each has its own circuit breaker): timeout per attempt,
/// a bounded retry with jittered backoff, a breaker. It wraps only what happens before any client byte
/// reaches the backend: connect, TLS, greeting, capabilities. A relayed command is never retried, since the
/// backend may have run it already.
/// </summary>
internal sealed class ResiliencePipelines : IDisposable
{
    /// <summary>Attempts after the first, per endpoint and login.</summary>
    public const int Retries = 2;

    private readonly ResiliencePipelineRegistry<PipelineKey> _registry;

    private readonly BackendHealth _health;

    public ResiliencePipelines(TimeProvider time, BackendHealth health)
    {
        _health = health;
        _registry = new ResiliencePipelineRegistry<PipelineKey>(new ResiliencePipelineRegistryOptions<PipelineKey>
        {
            BuilderFactory = () => new ResiliencePipelineBuilder { TimeProvider = time },
        });
    }

    /// <summary>
    /// The endpoint's pipeline, typed to its one use (a connected <see cref="BackendClient"/>): a typed
    /// pipeline runs the strategies without the bridge a non-generic one puts around each call. Looked up
    /// before it is built, so a login does not make the configure delegate (bench/README.md, garbage per login).
    /// </summary>
    public ResiliencePipeline<BackendClient> For(BackendTarget backend, BackendEndpoint endpoint)
    {
        var key = new PipelineKey(backend.Name, endpoint, backend.ConnectTimeout, backend.BreakerFailures, backend.BreakDuration);
        return _registry.TryGetPipeline<BackendClient>(key, out var pipeline) ? pipeline : _registry.GetOrAddPipeline<BackendClient>(key, Configure);
    }

    private void Configure(ResiliencePipelineBuilder<BackendClient> builder, ConfigureBuilderContext<PipelineKey> context)
    {
        var key = context.PipelineKey;
        var health = _health;
        builder
            .AddRetry(new RetryStrategyOptions<BackendClient>
            {
                ShouldHandle = Failures(static _ => true),
                MaxRetryAttempts = Retries,
                Delay = TimeSpan.FromMilliseconds(100),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<BackendClient>
            {
                // This node out of descriptors, source ports or socket memory says nothing of the backend:
                // breaking it would refuse every user of a healthy server (and move a pool's users away).
                // Polly counts an outcome it does not handle as a success, so such a connect also thins the
                // failure ratio a little; the lesser harm.
                ShouldHandle = Failures(static e => !IsLocalExhaustion(e)),
                // More than half of the recent attempts failed. Not 1.0: a backend that served logins
                // a moment ago and then died would keep its breaker closed until those successes left
                // the sampling window (30 s), and a pool would keep sending its users there.
                FailureRatio = 0.5,
                MinimumThroughput = Math.Max(2, key.BreakerFailures),
                SamplingDuration = TimeSpan.FromSeconds(Math.Max(30, key.BreakDuration.TotalSeconds)),
                BreakDuration = key.BreakDuration,
                // Pools skip a member whose every endpoint is broken; the state lives in BackendHealth.
                OnOpened = opened =>
                {
                    health.BreakerOpened(key.Backend, key.Endpoint, opened.BreakDuration);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    health.BreakerClosed(key.Backend, key.Endpoint);
                    return ValueTask.CompletedTask;
                },
                OnHalfOpened = _ =>
                {
                    health.BreakerClosed(key.Backend, key.Endpoint);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(key.ConnectTimeout);
    }

    public void Dispose() => _registry.Dispose();

    /// <summary>What failed to reach the backend; of the socket errors, those <paramref name="socketErrors"/> takes.</summary>
    private static PredicateBuilder<BackendClient> Failures(Func<SocketException, bool> socketErrors) =>
        new PredicateBuilder<BackendClient>()
            .Handle(socketErrors)
            .Handle<IOException>()
            .Handle<TimeoutRejectedException>()
            .Handle<AuthenticationException>()
            .Handle<BackendProtocolException>();

    /// <summary>
    /// EMFILE / ENFILE, ENOBUFS / ENOMEM, and EADDRNOTAVAIL (no free source port towards the backend): the
    /// connect failed on this node, before the backend was asked.
    /// </summary>
    internal static bool IsLocalExhaustion(Exception? error) =>
        error is SocketException { SocketErrorCode: SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable or SocketError.AddressNotAvailable };

    internal readonly record struct PipelineKey(string Backend, BackendEndpoint Endpoint, TimeSpan ConnectTimeout, int BreakerFailures, TimeSpan BreakDuration);
}
