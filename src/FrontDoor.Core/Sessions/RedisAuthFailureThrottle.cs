using System.Globalization;
using System.IO.Hashing;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// Failed logins counted in Redis, so that every node sees the same counts: a brute force that a load
/// balancer spreads over the nodes round-robin is slowed as if it hit one node. Two counters, each
/// forgotten after <see cref="ThrottleOptions.Forget"/> without failures: per client address (a guesser
/// trying many users) and per user (many addresses guessing one user); the larger sets the delay.
/// While Redis does not answer (not reachable, slow beyond the timeout), this node's own
/// <see cref="AuthFailureTracker"/> counts, one log line says so, and one says when Redis is back.
/// A good login never waits for Redis.
/// </summary>
internal sealed partial class RedisAuthFailureThrottle : IAuthFailureThrottle, IAsyncDisposable
{
    // One round trip, atomic: both counters up by one (the user's only when known), both forgotten after the same quiet time.
    private const string CountScript = """
        local a = redis.call('INCR', KEYS[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        local u = 0
        if KEYS[2] then
          u = redis.call('INCR', KEYS[2])
          redis.call('PEXPIRE', KEYS[2], ARGV[1])
        end
        return {a, u}
        """;

    private readonly ThrottleOptions _options;
    private readonly SessionLimits _limits;
    private readonly AuthFailureTracker _local;
    private readonly ILogger _logger;
    private readonly Task<ConnectionMultiplexer> _connection;
    private readonly RedisValue[] _forget;
    private int _unreachable;

    public RedisAuthFailureThrottle(ThrottleOptions options, SessionLimits limits, AuthFailureTracker local, ILogger<RedisAuthFailureThrottle> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var redis = options.Redis ?? throw new ArgumentException("no redis endpoint", nameof(options));
        _options = options;
        _limits = limits;
        _local = local;
        _logger = logger;
        _forget = [(long)options.Forget.TotalMilliseconds];
        var timeout = (int)Math.Max(1, options.Timeout.TotalMilliseconds);
        var configuration = new ConfigurationOptions
        {
            EndPoints = { { redis.Host, redis.Port } },
            ClientName = "FrontDoor",
            // Start-up does not wait for Redis, and a login never waits for a reconnect: commands fail at
            // once while disconnected (no backlog), and the local count takes over.
            AbortOnConnectFail = false,
            BacklogPolicy = BacklogPolicy.FailFast,
            ConnectTimeout = Math.Max(timeout, 1000),
            AsyncTimeout = timeout,
            SyncTimeout = timeout,
        };
        _connection = ConnectionMultiplexer.ConnectAsync(configuration);
    }

    private string Endpoint => $"{_options.Redis!.Host}:{_options.Redis.Port}";

    public async ValueTask<TimeSpan> FailedAsync(IPAddress? address, string? user, CancellationToken cancellationToken)
    {
        if (!_connection.IsCompleted)
        {
            // Only just started: the first connect is worth a short wait, a failed login waits anyway.
            await ((Task)_connection).WaitAsync(_options.Timeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (Database() is { } database)
        {
            try
            {
                var counts = (long[]?)await database.ScriptEvaluateAsync(CountScript, user is null ? [AddressKey(address)] : [AddressKey(address), UserKey(user)], _forget)
                    .WaitAsync(cancellationToken).ConfigureAwait(false);
                if (counts is [var fromAddress, var forUser])
                {
                    // Redis answered: the local count is not needed.
                    _local.Succeeded(address);
                    Reachable();
                    var delay = FailureDelay.For(Math.Max(fromAddress, forUser), _limits);
                    LogCounted(address, fromAddress, forUser, delay);
                    return delay;
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                Unreachable(ex.Message);
            }
        }

        return _local.Failed(address);
    }

    public void Succeeded(IPAddress? address, string user)
    {
        _local.Succeeded(address);
        if (Database() is not { } database)
        {
            return;
        }

        try
        {
            // Fire and forget: the good login is answered without waiting for Redis.
            _ = database.KeyDeleteAsync([AddressKey(address), UserKey(user)], CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            Unreachable(ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            var connection = await _connection.ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Nothing was connected.
        }
    }

    /// <summary>The database while connected; null (and a log line at the first miss) while not.</summary>
    private IDatabase? Database()
    {
        if (_connection.IsCompletedSuccessfully && _connection.Result.IsConnected)
        {
            return _connection.Result.GetDatabase();
        }

        Unreachable(_connection.IsFaulted ? _connection.Exception!.GetBaseException().Message : "not connected");
        return null;
    }

    private void Unreachable(string error)
    {
        if (Interlocked.Exchange(ref _unreachable, 1) == 0)
        {
            LogUnreachable(Endpoint, error);
        }
    }

    private void Reachable()
    {
        if (Interlocked.Exchange(ref _unreachable, 0) == 1)
        {
            LogReachable(Endpoint);
        }
    }

    private RedisKey AddressKey(IPAddress? address) =>
        _options.Prefix + "addr:" + (address is null ? "unknown" : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString());

    /// <summary>The user name case-folded and hashed: a bounded key, and no user names stored in Redis.</summary>
    private RedisKey UserKey(string user) =>
        _options.Prefix + "user:" + XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(user.ToUpperInvariant())).ToString("x16", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Redis {Endpoint} is not reachable ({Error}): failed logins are counted per node until it answers")]
    private partial void LogUnreachable(string endpoint, string error);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Redis {Endpoint} answers: failed logins are counted across nodes again")]
    private partial void LogReachable(string endpoint);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Failed login from {Address}: {AddressFailures} failures from the address and {UserFailures} for the user on all nodes; answered after {Delay}")]
    private partial void LogCounted(IPAddress? address, long addressFailures, long userFailures, TimeSpan delay);
}
