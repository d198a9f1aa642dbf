using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
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
    private readonly TimeProvider _time;

    // Each endpoint's breaker state, read before a login's first attempt (ExecuteAsync).
    private readonly ConcurrentDictionary<PipelineKey, CircuitBreakerStateProvider> _breakers = new();
    private readonly Lock _building = new();

    public ResiliencePipelines(TimeProvider time, BackendHealth health)
    {
        _health = health;
        _time = time;
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
    public ResiliencePipeline<BackendClient> For(BackendTarget backend, BackendEndpoint endpoint) => For(KeyOf(backend, endpoint));

    private ResiliencePipeline<BackendClient> For(PipelineKey key)
    {
        if (_registry.TryGetPipeline<BackendClient>(key, out var pipeline))
        {
            return pipeline;
        }

        // One build at a time: under a race the registry may configure a key twice, and the breaker's state
        // provider (_breakers) can serve one breaker only ("already initialized" to the second).
        lock (_building)
        {
            return _registry.GetOrAddPipeline<BackendClient>(key, Configure);
        }
    }

    private static PipelineKey KeyOf(BackendTarget backend, BackendEndpoint endpoint) =>
        new(backend.Name, endpoint, backend.ConnectTimeout, backend.BreakerFailures, backend.BreakDuration);

    /// <summary>
    /// Runs <paramref name="attempt"/> through the endpoint's pipeline: the same attempts, retries, breaker
    /// counts and per-attempt timeout as <see cref="For"/>'s pipeline gives. While the breaker is closed the
    /// first attempt runs before the pipeline, under a timeout of the same length, and the pipeline is then
    /// handed its outcome at once: each of its strategies is an async method that allocates its state
    /// machine when the attempt it wraps completes later (about 1 KB a login), and none of them waits on a
    /// completed one (bench/README.md, garbage per login). Only a failed first attempt makes the pipeline
    /// retry, with its delays, as it would have. Never throws: a failure is the outcome's exception.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Outcome<BackendClient>> ExecuteAsync<TState>(BackendTarget backend, BackendEndpoint endpoint, Func<TState, CancellationToken, ValueTask<Outcome<BackendClient>>> attempt, TState state, CancellationToken cancellationToken)
    {
        var key = KeyOf(backend, endpoint);
        var pipeline = For(key);
        Outcome<BackendClient>? connected = null;
        FirstAttempt? failed = null;
        if (_breakers.TryGetValue(key, out var breaker) && breaker.CircuitState == CircuitState.Closed)
        {
            var first = await AttemptWithTimeoutAsync(attempt, state, key.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            // A success is never retried, so the pipeline asks for it once; a failure it asks for once, then
            // makes new attempts (an object only on this rare path).
            (connected, failed) = first.Exception is null ? (first, null) : ((Outcome<BackendClient>?)null, new FirstAttempt(first));
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        Outcome<BackendClient> outcome;
        try
        {
            outcome = await pipeline.ExecuteOutcomeAsync(
                static (context, state) => state.Connected is { } connected ? ValueTask.FromResult(connected)
                    : state.Failed?.Take() is { } failed ? ValueTask.FromResult(failed)
                    : state.Attempt(state.State, context.CancellationToken),
                context,
                (Connected: connected, Failed: failed, Attempt: attempt, State: state)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        // The breaker opened between the look and the pipeline (another login's failure): the pipeline
        // refused without taking the first attempt's connection, which is closed here.
        if (connected is { Result: { } client } && !ReferenceEquals(outcome.Result, client))
        {
            await client.Connection.DisposeAsync().ConfigureAwait(false);
        }

        return outcome;
    }

    /// <summary>One attempt under the per-attempt timeout, ended as Polly's timeout strategy ends one.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Outcome<BackendClient>> AttemptWithTimeoutAsync<TState>(Func<TState, CancellationToken, ValueTask<Outcome<BackendClient>>> attempt, TState state, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // On the system clock a pooled deadline; another clock (a test's fake one) gets a source of its own.
        using var pooled = _time == TimeProvider.System ? PooledDeadline.Start(timeout, cancellationToken) : default;
        using var own = _time == TimeProvider.System ? null : new CancellationTokenSource(timeout, _time);
        using var link = own is null ? default : cancellationToken.UnsafeRegister(static source => ((CancellationTokenSource)source!).Cancel(), own);
        var deadline = own?.Token ?? pooled.Token;
        var outcome = await attempt(state, deadline).ConfigureAwait(false);
        if (deadline.IsCancellationRequested && outcome.Exception is OperationCanceledException canceled && !cancellationToken.IsCancellationRequested)
        {
            return Outcome.FromException<BackendClient>(new TimeoutRejectedException($"The operation didn't complete within the allowed timeout of '{timeout}'.", timeout, canceled));
        }

        return outcome;
    }

    private void Configure(ResiliencePipelineBuilder<BackendClient> builder, ConfigureBuilderContext<PipelineKey> context)
    {
        var key = context.PipelineKey;
        var health = _health;
        var breaker = _breakers.GetOrAdd(key, static _ => new CircuitBreakerStateProvider());
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
                ShouldHandle = Failures(static e => !LocalExhaustion.IsConnectFailure(e)),
                // More than half of the recent attempts failed. Not 1.0: a backend that served logins
                // a moment ago and then died would keep its breaker closed until those successes left
                // the sampling window (30 s), and a pool would keep sending its users there.
                FailureRatio = 0.5,
                MinimumThroughput = Math.Max(2, key.BreakerFailures),
                SamplingDuration = TimeSpan.FromSeconds(Math.Max(30, key.BreakDuration.TotalSeconds)),
                BreakDuration = key.BreakDuration,
                StateProvider = breaker,
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

    /// <summary>A login's failed first attempt, handed to the pipeline once.</summary>
    private sealed class FirstAttempt(Outcome<BackendClient> outcome)
    {
        private Outcome<BackendClient>? _outcome = outcome;

        public Outcome<BackendClient>? Take()
        {
            var taken = _outcome;
            _outcome = null;
            return taken;
        }
    }

    internal readonly record struct PipelineKey(string Backend, BackendEndpoint Endpoint, TimeSpan ConnectTimeout, int BreakerFailures, TimeSpan BreakDuration);
}
