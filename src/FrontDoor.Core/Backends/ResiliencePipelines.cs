using System.Net.Sockets;
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
/// reaches the backend (DESIGN.md, resilience).
/// </summary>
internal sealed class ResiliencePipelines : IDisposable
{
    private readonly ResiliencePipelineRegistry<PipelineKey> _registry;

    public ResiliencePipelines(TimeProvider time)
    {
        _registry = new ResiliencePipelineRegistry<PipelineKey>(new ResiliencePipelineRegistryOptions<PipelineKey>
        {
            BuilderFactory = () => new ResiliencePipelineBuilder { TimeProvider = time },
        });
    }

    public ResiliencePipeline For(BackendTarget backend, BackendEndpoint endpoint) =>
        _registry.GetOrAddPipeline(new PipelineKey(backend.Name, endpoint, backend.ConnectTimeout), static (builder, context) =>
        {
            var handled = new PredicateBuilder()
                .Handle<SocketException>()
                .Handle<IOException>()
                .Handle<TimeoutRejectedException>()
                .Handle<BackendProtocolException>();
            builder
                .AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = handled,
                    MaxRetryAttempts = 2,
                    Delay = TimeSpan.FromMilliseconds(100),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                })
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions
                {
                    ShouldHandle = handled,
                    FailureRatio = 1.0,
                    MinimumThroughput = 5,
                    SamplingDuration = TimeSpan.FromSeconds(30),
                    BreakDuration = TimeSpan.FromSeconds(15),
                })
                .AddTimeout(context.PipelineKey.ConnectTimeout);
        });

    public void Dispose() => _registry.Dispose();

    internal readonly record struct PipelineKey(string Backend, BackendEndpoint Endpoint, TimeSpan ConnectTimeout);
}
