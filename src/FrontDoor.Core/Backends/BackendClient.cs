using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Protocol.Sasl;

namespace FrontDoor.Core.Backends;

/// <summary>
/// FrontDoor's own conversation with a backend before the relay starts: greeting, CAPABILITY, LOGIN or
/// AUTHENTICATE PLAIN, or the client's own OAuth mechanism (BackendClient.Token.cs). Afterwards the
/// connection, with anything it has buffered, belongs to the relay.
/// </summary>
internal sealed partial class BackendClient
{
    private readonly ImapConnection _connection;
    private ImapFramer _framer;
    private int _nextTag;

    public BackendClient(ImapConnection connection, int maxLineLength)
    {
        _connection = connection;
        _framer = new ImapFramer(maxLineLength);
    }

    public ImapConnection Connection => _connection;

    /// <summary>The backend's capabilities as last advertised.</summary>
    public CapabilitySet Capabilities { get; private set; } = NoCapabilities;

    private static readonly CapabilitySet NoCapabilities = new CapabilitySet().MakeReadOnly();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ReadGreetingAsync(CancellationToken cancellationToken)
    {
        var greeting = await ReadResponseAsync(cancellationToken).ConfigureAwait(false);
        if (greeting.Tag != "*" || !greeting.IsOk)
        {
            // PREAUTH would skip our login; BYE means the server refuses us now.
            throw new BackendProtocolException($"unexpected greeting: {greeting.Status}");
        }

        if (greeting.Capabilities is { } capabilities)
        {
            Capabilities = capabilities;
        }
        else
        {
            await RefreshCapabilitiesAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>RFC 9051 section 6.2.1: STARTTLS, then the handshake, then capabilities afresh.</summary>
    public async Task StartTlsAsync(System.Net.Security.SslClientAuthenticationOptions options, CancellationToken cancellationToken)
    {
        if (!Capabilities.Contains("STARTTLS"))
        {
            throw new BackendProtocolException("the backend does not offer STARTTLS");
        }

        var tag = NextTag();
        WriteAscii($"{tag} STARTTLS\r\n");
        var done = await SendAndReadTaggedAsync(tag, cancellationToken).ConfigureAwait(false);
        if (!done.IsOk)
        {
            throw new BackendProtocolException($"STARTTLS refused: {done.Status}");
        }

        await _connection.StartTlsAsClientAsync(options, cancellationToken).ConfigureAwait(false);
        _framer = new ImapFramer(_framer.MaxLineLength);
        await RefreshCapabilitiesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// RFC 2971 ID with the client's address, in the fields Dovecot reads from trusted proxies. A refusal
    /// is not an error: the backend just does not learn the address.
    /// </summary>
    public async Task SendClientAddressAsync(ClientOrigin origin, CancellationToken cancellationToken)
    {
        var fields = new List<string>();
        if (origin.Client is { } client)
        {
            fields.Add($"\"x-originating-ip\" \"{client.Address}\" \"x-originating-port\" \"{client.Port}\"");
        }

        if (origin.Local is { } local)
        {
            fields.Add($"\"x-connected-ip\" \"{local.Address}\" \"x-connected-port\" \"{local.Port}\"");
        }

        fields.Add($"\"x-session-id\" \"{origin.SessionId}\"");
        var tag = NextTag();
        WriteAscii($"{tag} ID ({string.Join(' ', fields)})\r\n");
        await SendAndReadTaggedAsync(tag, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask RefreshCapabilitiesAsync(CancellationToken cancellationToken)
    {
        var tag = NextTag();
        WriteAscii(tag);
        _connection.Output.Write(" CAPABILITY\r\n"u8);
        var done = await SendAndReadTaggedAsync(tag, cancellationToken).ConfigureAwait(false);
        if (!done.IsOk)
        {
            throw new BackendProtocolException($"CAPABILITY refused: {done.Status}");
        }
    }

    /// <summary>
    /// RFC 4978: asks the logged-in backend for COMPRESS=DEFLATE when it offers it; on its OK the connection
    /// compresses both ways from the next byte. A refusal leaves the connection plain. True when compressed.
    /// </summary>
    public async Task<bool> CompressAsync(CancellationToken cancellationToken)
    {
        if (!Capabilities.Contains(Protocol.Compression.CompressCommand.Capability))
        {
            return false;
        }

        var tag = NextTag();
        WriteAscii($"{tag} COMPRESS DEFLATE\r\n");
        var done = await SendAndReadTaggedAsync(tag, cancellationToken).ConfigureAwait(false);
        if (done.IsOk)
        {
            await _connection.StartCompressionAsync(Protocol.Compression.DeflateSettings.Default).ConfigureAwait(false);
        }

        return done.IsOk;
    }

    /// <summary>Logs in as the client's user; NO and BAD come back as a response, not an exception.</summary>
    /// <param name="client">Answers a challenge the backend sends during a token login.</param>
    public ValueTask<BackendResponse> LoginAsync(ClientCredentials credentials, ClientChallenge client, CancellationToken cancellationToken) => credentials switch
    {
        TokenCredentials token => new ValueTask<BackendResponse>(AuthenticateTokenAsync(token, client, cancellationToken)),
        LoginCredentials password => LoginAsync(password, cancellationToken),
        _ => throw new ArgumentException($"unknown credentials {credentials.GetType().Name}", nameof(credentials)),
    };

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BackendResponse> LoginAsync(LoginCredentials credentials, CancellationToken cancellationToken)
    {
        if (Capabilities.Contains("LOGINDISABLED") && !Capabilities.Contains("AUTH=PLAIN"))
        {
            // RFC 9051 section 6.2.3: the backend will not take a password over this connection; sending it
            // anyway would expose it. The operator must set tls on the backend.
            throw new BackendProtocolException("the backend refuses plaintext logins (LOGINDISABLED): set tls=\"starttls\" or \"implicit\" on it");
        }

        if (credentials.AuthorizationId is not null || Capabilities.Contains("LOGINDISABLED"))
        {
            return await AuthenticatePlainAsync(credentials, cancellationToken).ConfigureAwait(false);
        }

        var tag = NextTag();
        WriteAscii(tag);
        _connection.Output.Write(" LOGIN "u8);
        var refused = await WriteAstringAsync(tag, credentials.UserBytes(), cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return refused;
        }

        WriteAscii(" ");
        refused = await WriteAstringAsync(tag, credentials.Password, cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return refused;
        }

        WriteAscii("\r\n");
        return await SendAndReadTaggedAsync(tag, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BackendResponse> AuthenticatePlainAsync(LoginCredentials credentials, CancellationToken cancellationToken)
    {
        // RFC 4616: authzid NUL authcid NUL passwd.
        var authzid = Encoding.UTF8.GetBytes(credentials.AuthorizationId ?? string.Empty);
        var user = credentials.UserBytes();
        var message = new byte[authzid.Length + 1 + user.Length + 1 + credentials.Password.Length];
        authzid.CopyTo(message, 0);
        user.CopyTo(message, authzid.Length + 1);
        credentials.Password.CopyTo(message, authzid.Length + 1 + user.Length + 1);
        var encoded = Convert.ToBase64String(message);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(message);

        var tag = NextTag();
        if (Capabilities.Contains("SASL-IR"))
        {
            WriteAscii($"{tag} AUTHENTICATE PLAIN {encoded}\r\n");
            return await SendAndReadTaggedAsync(tag, cancellationToken).ConfigureAwait(false);
        }

        WriteAscii($"{tag} AUTHENTICATE PLAIN\r\n");
        var refused = await AwaitContinuationAsync(tag, cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return refused;
        }

        WriteAscii($"{encoded}\r\n");
        return await SendAndReadTaggedAsync(tag, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes an astring: quoted when every byte may stand in a quoted string, else a synchronizing literal
    /// (RFC 9051 section 4.3). Returns the backend's refusal if it refused the literal.
    /// </summary>
    private async Task<BackendResponse?> WriteAstringAsync(string tag, byte[] value, CancellationToken cancellationToken)
    {
        if (CanQuote(value))
        {
            var output = _connection.Output;
            output.Write("\""u8);
            foreach (var b in value)
            {
                if (b is (byte)'"' or (byte)'\\')
                {
                    output.Write("\\"u8);
                }

                output.GetSpan(1)[0] = b;
                output.Advance(1);
            }

            output.Write("\""u8);
            return null;
        }

        WriteAscii($"{{{value.Length}}}\r\n");
        var refused = await AwaitContinuationAsync(tag, cancellationToken).ConfigureAwait(false);
        if (refused is null)
        {
            _connection.Output.Write(value);
        }

        return refused;
    }

    private static bool CanQuote(byte[] value) => value.Length <= 1024 && Array.TrueForAll(value, b => b is > 0 and < 0x80 and not (byte)'\r' and not (byte)'\n');

    /// <summary>Sends what is buffered and waits for "+" (null) or the tagged refusal.</summary>
    private async Task<BackendResponse?> AwaitContinuationAsync(string tag, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var response = await ReadResponseAsync(cancellationToken).ConfigureAwait(false);
            if (response.Tag == "+")
            {
                return null;
            }

            if (response.Tag == tag)
            {
                return response;
            }
        }
    }

    /// <param name="onContinuation">Answers a "+" from the backend; without it, continuations are passed over.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BackendResponse> SendAndReadTaggedAsync(string tag, CancellationToken cancellationToken, Func<BackendResponse, CancellationToken, Task>? onContinuation = null)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var response = await ReadResponseAsync(cancellationToken).ConfigureAwait(false);
            if (response.Tag == "+" && onContinuation is not null)
            {
                await onContinuation(response, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (response.Tag == "*" && string.Equals(response.Status, "BYE", StringComparison.OrdinalIgnoreCase))
            {
                throw new BackendProtocolException("the backend said BYE");
            }

            if (response.Capabilities is { } capabilities)
            {
                Capabilities = capabilities;
            }

            if (response.Tag == tag)
            {
                return response;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var flush = await _connection.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (flush.IsCompleted)
        {
            throw new IOException("the backend closed the connection");
        }
    }

    /// <summary>Reads one whole response; literal octets in it (not expected before login) are skipped.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BackendResponse> ReadResponseAsync(CancellationToken cancellationToken)
    {
        _response = null;
        while (true)
        {
            var read = await _connection.Input.ReadStepAsync(this, ExamineResponse, cancellationToken).ConfigureAwait(false);
            if (!read.NeedMore)
            {
                return _response!;
            }

            if (read.IsCompleted)
            {
                throw new IOException("the backend closed the connection");
            }
        }
    }

    // The response being framed; a response spans reads when it carries literals.
    private BackendResponse? _response;

    private static readonly BufferExaminer<BackendClient, bool> ExamineResponse =
        static (BackendClient client, in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out bool needMore) =>
        {
            consumed = client.TryFrameResponse(buffer, ref client._response, out var complete);
            needMore = !complete;
            return complete;
        };

    private SequencePosition TryFrameResponse(in ReadOnlySequence<byte> buffer, ref BackendResponse? response, out bool complete)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            switch (_framer.Read(ref reader, out var frame))
            {
                case FrameKind.NeedMore:
                    complete = false;
                    return reader.Position;
                case FrameKind.LiteralData:
                    continue;
                case FrameKind.Line:
                    if (frame.StartsMessage)
                    {
                        response = Parse(frame.Content);
                    }

                    if (_framer.AtMessageStart)
                    {
                        complete = true;
                        return reader.Position;
                    }

                    continue;
                default:
                    throw new BackendProtocolException("the backend broke IMAP framing");
            }
        }
    }

    /// <summary>A line in one buffer segment is parsed where it lies; one split between segments is copied first.</summary>
    private static BackendResponse Parse(in ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment)
        {
            return BackendResponse.Parse(line.FirstSpan);
        }

        var rented = ArrayPool<byte>.Shared.Rent((int)line.Length);
        try
        {
            line.CopyTo(rented);
            return BackendResponse.Parse(rented.AsSpan(0, (int)line.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void WriteAscii(string text) => _connection.Output.WriteAscii(text);

    // The few tags of a login's conversation are the same strings for every login.
    private static readonly string[] Tags = [.. Enumerable.Range(1, 8).Select(n => $"fd{n}")];

    private string NextTag() => ++_nextTag <= Tags.Length ? Tags[_nextTag - 1] : $"fd{_nextTag}";
}
