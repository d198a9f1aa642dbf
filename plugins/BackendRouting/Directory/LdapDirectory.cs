using System.Collections.Concurrent;
using System.DirectoryServices.Protocols;
using System.Net;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Plugins.BackendRouting.Directory;

/// <summary>
/// The directory over LDAP (System.DirectoryServices.Protocols; libldap on Linux). Bound connections are
/// pooled; one that failed is thrown away, one idle too long is closed (servers and firewalls drop idle
/// LDAP connections silently). A new connection tries the servers in the order written.
/// </summary>
internal sealed partial class LdapDirectory : IDirectorySearch
{
    private const int MaxIdleConnections = 4;
    private static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(60);

    private readonly DirectorySettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentBag<Pooled> _idle = [];
    private readonly string[] _attributes;
    private readonly string? _caDirectory;
    private int _disposed;

    public LdapDirectory(DirectorySettings settings, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _time = time;
        _logger = logger;
        _attributes = [settings.Attribute, settings.ChangedAttribute];
        _caDirectory = settings.CaFile is null ? null : CaDirectory(settings.CaFile);
    }

    public async Task<IReadOnlyList<DirectoryEntry>> SearchAsync(string filter, int sizeLimit, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_settings.Timeout);
        var request = new SearchRequest(_settings.Base, filter, SearchScope.Subtree, _attributes) { SizeLimit = sizeLimit };

        // A pooled connection may have died since its last use: one more try on a fresh one.
        for (var attempt = 0; ; attempt++)
        {
            Pooled connection;
            try
            {
                connection = await RentAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new DirectoryUnavailableException($"no server connected within {DirectorySettings.Seconds(_settings.Timeout)} s", ex);
            }

            try
            {
                var response = await SendAsync(connection.Connection, request, deadline.Token).ConfigureAwait(false);
                Return(connection);
                return [.. response.Entries.Cast<SearchResultEntry>().Select(ToEntry)];
            }
            catch (DirectoryOperationException ex) when (ex.Response is SearchResponse { ResultCode: ResultCode.SizeLimitExceeded } partial)
            {
                // More than one match is all the caller needs to know (fail closed); keep the connection.
                Return(connection);
                return [.. partial.Entries.Cast<SearchResultEntry>().Select(ToEntry)];
            }
            catch (Exception ex) when (ex is LdapException or DirectoryException or OperationCanceledException or TimeoutException)
            {
                connection.Connection.Dispose();
                if (deadline.IsCancellationRequested)
                {
                    throw new DirectoryUnavailableException($"no answer within {DirectorySettings.Seconds(_settings.Timeout)} s", ex);
                }

                if (attempt > 0)
                {
                    throw new DirectoryUnavailableException(ex.Message, ex);
                }
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            while (_idle.TryTake(out var pooled))
            {
                pooled.Connection.Dispose();
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<Pooled> RentAsync(CancellationToken cancellationToken)
    {
        while (_idle.TryTake(out var pooled))
        {
            if (_time.GetElapsedTime(pooled.ReturnedAt) < MaxIdle)
            {
                return pooled;
            }

            pooled.Connection.Dispose();
        }

        Exception? last = null;
        foreach (var server in _settings.Servers)
        {
            try
            {
                // libldap connects, negotiates StartTLS and binds synchronously: run it off the caller's thread,
                // and stop waiting at the deadline (the connection's own timeout ends the blocked call).
                var connecting = Task.Run(() => Connect(server), CancellationToken.None);
                try
                {
                    var connection = await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
                    return new Pooled(connection, _time.GetTimestamp());
                }
                catch (OperationCanceledException)
                {
                    // Given up on: whatever the blocked connect ends with is closed, not leaked.
                    _ = connecting.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                    throw;
                }
            }
            catch (Exception ex) when (ex is LdapException or DirectoryException or TimeoutException)
            {
                last = ex;
                LogServerFailed(_logger, server.ToString(), ex.Message);
            }
        }

        throw new DirectoryUnavailableException(last?.Message ?? "no server", last);
    }

    private LdapConnection Connect(Uri server)
    {
        var secure = server.Scheme == "ldaps";
        var port = server.IsDefaultPort || server.Port <= 0 ? (secure ? 636 : 389) : server.Port;
        var connection = new LdapConnection(new LdapDirectoryIdentifier(server.Host, port, fullyQualifiedDnsHostName: true, connectionless: false))
        {
            AuthType = AuthType.Basic,
            Timeout = _settings.Timeout,
            AutoBind = false,
        };
        try
        {
            connection.SessionOptions.ProtocolVersion = 3;
            connection.SessionOptions.ReferralChasing = ReferralChasingOptions.None;
            if (_caDirectory is not null && OperatingSystem.IsLinux())
            {
                connection.SessionOptions.TrustedCertificatesDirectory = _caDirectory;
                connection.SessionOptions.StartNewTlsSessionContext();
            }

            if (secure)
            {
                connection.SessionOptions.SecureSocketLayer = true;
            }
            else if (_settings.StartTls)
            {
                // On Linux the handle only learns its server at the first bind, and StartTLS before that fails
                // with "server unavailable" (dotnet/runtime#96988): bind anonymously first (no credentials cross
                // the wire), then StartTLS (RFC 4513 section 3 allows it with no operation outstanding), then
                // bind with the service account over TLS below.
                connection.AuthType = AuthType.Anonymous;
                connection.Bind();
                connection.AuthType = AuthType.Basic;
                connection.SessionOptions.StartTransportLayerSecurity(null);
            }

            if (_settings.BindDn is null)
            {
                connection.AuthType = AuthType.Anonymous;
                connection.Bind();
            }
            else
            {
                connection.Bind(new NetworkCredential(_settings.BindDn, _settings.BindPassword ?? string.Empty));
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static async Task<SearchResponse> SendAsync(LdapConnection connection, SearchRequest request, CancellationToken cancellationToken)
    {
        // BeginSendRequest can itself block on libldap (seen with a frozen server), so it starts off the
        // caller's thread too; the caller stops waiting at the deadline and the connection is then disposed.
        var send = Task.Run(() => Task.Factory.FromAsync(
            (callback, state) => connection.BeginSendRequest(request, PartialResultProcessing.NoPartialResultSupport, callback, state),
            connection.EndSendRequest,
            null), CancellationToken.None);
        return (SearchResponse)await send.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Return(Pooled connection)
    {
        if (Volatile.Read(ref _disposed) == 0 && _idle.Count < MaxIdleConnections)
        {
            _idle.Add(connection with { ReturnedAt = _time.GetTimestamp() });
        }
        else
        {
            connection.Connection.Dispose();
        }
    }

    private DirectoryEntry ToEntry(SearchResultEntry entry)
    {
        var values = entry.Attributes[_settings.Attribute] is { } attribute
            ? attribute.GetValues(typeof(string)).Cast<string>().ToArray()
            : [];
        var changed = entry.Attributes[_settings.ChangedAttribute];
        var stamp = changed is { Count: > 0 } ? changed.GetValues(typeof(string)).Cast<string>().FirstOrDefault() : null;
        return new DirectoryEntry(entry.DistinguishedName, values, stamp);
    }

    /// <summary>
    /// libldap on Debian uses GnuTLS, which trusts every certificate file in a CA directory: a private directory
    /// holding only <paramref name="caFile"/> makes it trust that CA and no other.
    /// </summary>
    private static string CaDirectory(string caFile)
    {
        var directory = Path.Combine(Path.GetTempPath(), "frontdoor-ldap-ca-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(caFile)))[..16]);
        System.IO.Directory.CreateDirectory(directory);
        File.Copy(caFile, Path.Combine(directory, "ca.pem"), overwrite: true);
        return directory;
    }

    private sealed record Pooled(LdapConnection Connection, long ReturnedAt);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Warning, Message = "Directory server {Server} failed: {Error}")]
    private static partial void LogServerFailed(ILogger logger, string server, string error);
}
