using System.Net.Sockets;
using FrontDoor.Core.Backends;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Xunit;

namespace FrontDoor.Core.Tests.Backends;

/// <summary>
/// The per-endpoint pipelines (retry, breaker) and what they tell <see cref="BackendHealth"/>, on a fake
/// clock: the test moves time on until the call in flight is done, so retry delays and break durations
/// pass without waiting.
/// </summary>
public class ResiliencePipelinesTests
{
    private static readonly BackendEndpoint First = new("192.0.2.1", 143);
    private static readonly BackendEndpoint Second = new("192.0.2.2", 143);

    private static readonly BackendTarget Backend = new()
    {
        Name = "legacy",
        Endpoints = [First, Second],
        BreakerFailures = 3,
        // Long, so that the fake time the retries take can never end a break the test expects open.
        BreakDuration = TimeSpan.FromHours(1),
    };

    private readonly FakeTimeProvider _time;
    private readonly BackendHealth _health;

    public ResiliencePipelinesTests()
    {
        _time = new FakeTimeProvider();
        _health = new BackendHealth(_time);
    }

    /// <summary>
    /// Runs one login's attempts on <paramref name="endpoint"/> the way a login does
    /// (<see cref="ResiliencePipelines.ExecuteAsync"/>); returns how many attempts were made.
    /// </summary>
    private Task<(int Attempts, Exception? Error)> AttemptAsync(ResiliencePipelines pipelines, BackendEndpoint endpoint, Func<Exception?> outcome) =>
        AttemptAsync(pipelines, Backend, endpoint, _ => outcome() is { } error ? ValueTask.FromResult(Outcome.FromException<BackendClient>(error)) : ValueTask.FromResult(Outcome.FromResult<BackendClient>(null!)));

    private async Task<(int Attempts, Exception? Error)> AttemptAsync(ResiliencePipelines pipelines, BackendTarget backend, BackendEndpoint endpoint, Func<CancellationToken, ValueTask<Outcome<BackendClient>>> attempt)
    {
        var attempts = 0;
        var call = pipelines.ExecuteAsync(backend, endpoint, (_, token) =>
        {
            attempts++;
            return attempt(token);
        }, 0, CancellationToken.None).AsTask();
        while (!call.IsCompleted)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(1);
        }

        return (attempts, (await call).Exception);
    }

    /// <summary>
    /// A login's first attempt runs before the pipeline (ExecuteAsync), so its timeout is FrontDoor's own: it
    /// must end the attempt as the pipeline's timeout ends the retries, and be retried like them.
    /// </summary>
    [Fact]
    public async Task An_attempt_that_hangs_times_out_and_is_retried_each_time()
    {
        using var pipelines = new ResiliencePipelines(_time, _health);
        var hasty = new BackendTarget { Name = "hasty", Endpoints = [First], ConnectTimeout = TimeSpan.FromSeconds(1) };
        var cancelled = 0;
        var (attempts, error) = await AttemptAsync(pipelines, hasty, First, async token =>
        {
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, _time, token);
                return Outcome.FromResult<BackendClient>(null!);
            }
            catch (OperationCanceledException ex)
            {
                cancelled++;
                return Outcome.FromException<BackendClient>(ex);
            }
        });

        Assert.Equal(1 + ResiliencePipelines.Retries, attempts);
        Assert.Equal(attempts, cancelled);
        Assert.Equal(TimeSpan.FromSeconds(1), Assert.IsType<TimeoutRejectedException>(error).Timeout);
    }

    /// <summary>
    /// Many first logins to one endpoint at once build its pipeline once: a second build would hand the one
    /// breaker state to a second breaker, which Polly refuses, and those logins would fail.
    /// </summary>
    [Fact]
    public async Task First_logins_at_once_all_get_through_one_pipeline()
    {
        for (var round = 0; round < 20; round++)
        {
            using var pipelines = new ResiliencePipelines(_time, _health);
            using var start = new ManualResetEventSlim();
            var logins = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                start.Wait();
                return await pipelines.ExecuteAsync(Backend, First, static (_, _) => ValueTask.FromResult(Outcome.FromResult<BackendClient>(null!)), 0, CancellationToken.None);
            })).ToList();
            start.Set();
            foreach (var outcome in await Task.WhenAll(logins))
            {
                Assert.Null(outcome.Exception);
            }
        }
    }

    /// <summary>A first attempt that succeeds after failures counts as the success it is: the breaker does not open.</summary>
    [Fact]
    public async Task A_success_after_a_failed_first_attempt_is_one_login_and_closes_nothing()
    {
        using var pipelines = new ResiliencePipelines(_time, _health);
        var calls = 0;
        var (attempts, error) = await AttemptAsync(pipelines, First, () => ++calls == 1 ? new IOException("reset") : null);
        Assert.Null(error);
        Assert.Equal(2, attempts);
        Assert.False(_health.IsBreakerOpen("legacy", First));
    }

    /// <summary>
    /// Out of descriptors or source ports, the connect fails on this node: retried like any failure, but no
    /// breaker opens, since the backend itself was never asked (a broken backend refuses all its users).
    /// </summary>
    [Theory]
    [InlineData(SocketError.TooManyOpenSockets)]
    [InlineData(SocketError.AddressNotAvailable)]
    [InlineData(SocketError.NoBufferSpaceAvailable)]
    public async Task A_connect_that_fails_on_this_node_opens_no_breaker(SocketError error)
    {
        using var pipelines = new ResiliencePipelines(_time, _health);

        for (var login = 0; login < 3; login++)
        {
            var (attempts, failure) = await AttemptAsync(pipelines, First, () => new SocketException((int)error));
            Assert.Equal(1 + ResiliencePipelines.Retries, attempts);
            Assert.Equal(error, Assert.IsType<SocketException>(failure).SocketErrorCode);
        }

        Assert.False(_health.IsBreakerOpen("legacy", First));

        // One login's refusals by a backend do open a breaker in the same pipelines.
        await AttemptAsync(pipelines, Second, () => new SocketException((int)SocketError.ConnectionRefused));
        Assert.True(_health.IsBreakerOpen("legacy", Second));
    }

    [Fact]
    public async Task A_failing_endpoint_is_retried_then_its_breaker_opens_and_health_reports_it()
    {
        using var pipelines = new ResiliencePipelines(_time, _health);

        var (attempts, error) = await AttemptAsync(pipelines, First, () => new SocketException((int)SocketError.ConnectionRefused));
        // Three attempts (the retries), three failures: the breaker (breakerFailures="3") opens on the last.
        Assert.Equal(1 + ResiliencePipelines.Retries, attempts);
        Assert.IsType<SocketException>(error);
        Assert.True(_health.IsBreakerOpen("legacy", First));
        Assert.True(_health.IsBreakerOpen("LEGACY", First));

        // The other endpoint has its own breaker, so the backend can still be reached.
        Assert.False(_health.IsBreakerOpen("legacy", Second));
        Assert.True(_health.IsReachable(Backend));

        // While open, a login does not even try the endpoint.
        (attempts, error) = await AttemptAsync(pipelines, First, () => null);
        Assert.Equal(0, attempts);
        Assert.IsType<BrokenCircuitException>(error);
    }

    [Fact]
    public async Task With_every_endpoint_broken_the_backend_is_unreachable_until_a_break_is_over()
    {
        using var pipelines = new ResiliencePipelines(_time, _health);
        await AttemptAsync(pipelines, First, () => new IOException("reset"));
        await AttemptAsync(pipelines, Second, () => new IOException("reset"));
        Assert.True(_health.IsBreakerOpen("legacy", Second));
        Assert.False(_health.IsReachable(Backend));

        // After the break the next attempt is let through (half-open); its success closes the breaker.
        _time.Advance(Backend.BreakDuration);
        var (attempts, error) = await AttemptAsync(pipelines, First, () => null);
        Assert.Null(error);
        Assert.Equal(1, attempts);
        Assert.False(_health.IsBreakerOpen("legacy", First));
        Assert.True(_health.IsReachable(Backend));
    }

    [Fact]
    public async Task An_error_that_is_not_a_connection_failure_is_not_retried_and_does_not_count()
    {
        using var pipelines = new ResiliencePipelines(_time, _health);
        for (var i = 0; i < 5; i++)
        {
            var (attempts, error) = await AttemptAsync(pipelines, First, () => new InvalidOperationException("a bug"));
            Assert.Equal(1, attempts);
            Assert.IsType<InvalidOperationException>(error);
        }

        Assert.False(_health.IsBreakerOpen("legacy", First));
    }

    [Fact]
    public void Drained_backends_are_remembered_without_regard_to_case()
    {
        Assert.True(_health.SetDrained("Legacy", drained: true));
        Assert.False(_health.SetDrained("legacy", drained: true));
        Assert.True(_health.IsDrained("LEGACY"));
        Assert.True(_health.SetDrained("legacy", drained: false));
        Assert.False(_health.IsDrained("Legacy"));
    }
}
