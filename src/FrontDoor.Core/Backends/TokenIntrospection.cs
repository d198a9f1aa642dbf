using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FrontDoor.Core.Protocol.Sasl;

namespace FrontDoor.Core.Backends;

internal enum TokenVerdict
{
    Active,

    /// <summary>Inactive, expired, or issued to another user.</summary>
    Refused,

    /// <summary>The endpoint did not answer usefully: nothing is known of the token.</summary>
    Unavailable,
}

/// <summary>
/// RFC 7662 token introspection, so a refused token costs no backend connection. Positive answers are kept
/// (bounded) until the token's <c>exp</c>, under a hash of user and token, never the token itself.
/// </summary>
internal sealed class TokenIntrospection : IDisposable
{
    private readonly IntrospectionOptions _options;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _active = new(StringComparer.Ordinal);

    public TokenIntrospection(IntrospectionOptions options, TimeProvider time, HttpMessageHandler? handler = null)
    {
        _options = options;
        _time = time;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = options.Timeout,

            // An introspection answer is a small JSON object; a larger body is an error, not something to hold.
            MaxResponseContentBufferSize = 64 * 1024,
        };
        if (options.ClientId is { } id && options.ClientSecret is { } secret)
        {
            // RFC 6749 section 2.3.1: client_secret_basic, each part form-urlencoded first.
            var pair = $"{Uri.EscapeDataString(id)}:{Uri.EscapeDataString(secret)}";
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>How many positive answers are kept now.</summary>
    public int Cached => _active.Count;

    public async Task<TokenVerdict> CheckAsync(TokenCredentials credentials, CancellationToken cancellationToken)
    {
        var key = Key(credentials);
        var now = _time.GetUtcNow();
        if (_active.TryGetValue(key, out var until))
        {
            if (until > now)
            {
                return TokenVerdict.Active;
            }

            _active.TryRemove(key, out _);
        }

        var body = FormBody(credentials.Token);
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
            using var request = new HttpRequestMessage(HttpMethod.Post, _options.Endpoint) { Content = content };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return TokenVerdict.Unavailable;
            }

            var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return Judge(answer, credentials.User, key, now);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Unreachable, not JSON, or over HttpClient's own timeout.
            return TokenVerdict.Unavailable;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(body);
        }
    }

    /// <summary>RFC 7662 section 2.2: <c>active</c> decides; <c>username</c>, when given, must be the user logging in.</summary>
    private TokenVerdict Judge(byte[] answer, string user, string key, DateTimeOffset now)
    {
        using var json = JsonDocument.Parse(answer);
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("active", out var active) || active.ValueKind != JsonValueKind.True)
        {
            return TokenVerdict.Refused;
        }

        if (root.TryGetProperty("username", out var name)
            && (name.ValueKind != JsonValueKind.String || !string.Equals(name.GetString(), user, StringComparison.OrdinalIgnoreCase)))
        {
            return TokenVerdict.Refused;
        }

        if (root.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds))
        {
            var expires = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, DateTimeOffset.MaxValue.ToUnixTimeSeconds()));
            if (expires <= now)
            {
                return TokenVerdict.Refused;
            }

            Remember(key, expires, now);
        }

        return TokenVerdict.Active;
    }

    private void Remember(string key, DateTimeOffset expires, DateTimeOffset now)
    {
        if (_active.Count >= _options.MaxCached)
        {
            foreach (var entry in _active)
            {
                if (entry.Value <= now)
                {
                    _active.TryRemove(entry.Key, out _);
                }
            }

            if (_active.Count >= _options.MaxCached)
            {
                // Full of live answers: this one is simply asked again next time.
                return;
            }
        }

        _active[key] = expires;
    }

    private static string Key(TokenCredentials credentials)
    {
        var user = Encoding.UTF8.GetBytes(credentials.User.ToLowerInvariant());
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(user);
        hash.AppendData([0]);
        hash.AppendData(credentials.Token);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary><c>token=...&amp;token_type_hint=access_token</c>, percent-encoded as bytes so no string holds the token.</summary>
    private static byte[] FormBody(ReadOnlySpan<byte> token)
    {
        ReadOnlySpan<byte> prefix = "token="u8;
        ReadOnlySpan<byte> suffix = "&token_type_hint=access_token"u8;
        var length = prefix.Length + suffix.Length;
        foreach (var b in token)
        {
            length += IsUnreserved(b) ? 1 : 3;
        }

        var body = new byte[length];
        prefix.CopyTo(body);
        var at = prefix.Length;
        foreach (var b in token)
        {
            if (IsUnreserved(b))
            {
                body[at++] = b;
            }
            else
            {
                body[at++] = (byte)'%';
                body[at++] = (byte)"0123456789ABCDEF"[b >> 4];
                body[at++] = (byte)"0123456789ABCDEF"[b & 0xF];
            }
        }

        suffix.CopyTo(body.AsSpan(at));
        return body;
    }

    private static bool IsUnreserved(byte b) => char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~';
}
