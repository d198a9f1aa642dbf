using System.Buffers;
using System.Buffers.Text;
using FrontDoor.Core.Protocol.Sasl;

namespace FrontDoor.Core.Backends;

/// <summary>The replay of a client's OAuth 2.0 login (OAUTHBEARER, XOAUTH2) to the backend.</summary>
internal sealed partial class BackendClient
{
    /// <summary>
    /// AUTHENTICATE with the client's own message. A refused token is answered, per RFC 7628 section 3.2.2 (and
    /// XOAUTH2 alike), with a continuation holding a base64 JSON error; the client must answer it (<c>AQ==</c>,
    /// or an empty line) before the tagged NO comes. That exchange goes through <paramref name="client"/>
    /// unchanged, so the client sees the error and can refresh its token.
    /// </summary>
    private async Task<BackendResponse> AuthenticateTokenAsync(TokenCredentials credentials, ClientChallenge client, CancellationToken cancellationToken)
    {
        if (!Capabilities.Contains("AUTH=" + credentials.Mechanism))
        {
            // A password is never sent instead: the client gave a token, not a password.
            return new BackendResponse("*", "NO", $"[AUTHENTICATIONFAILED] {credentials.Mechanism} is not supported for this account", null);
        }

        var tag = NextTag();
        if (Capabilities.Contains("SASL-IR"))
        {
            WriteAscii($"{tag} AUTHENTICATE {credentials.Mechanism} ");
        }
        else
        {
            WriteAscii($"{tag} AUTHENTICATE {credentials.Mechanism}\r\n");
            var refused = await AwaitContinuationAsync(tag, cancellationToken).ConfigureAwait(false);
            if (refused is not null)
            {
                return refused;
            }
        }

        WriteBase64(credentials.Message);
        WriteAscii("\r\n");
        return await SendAndReadTaggedAsync(tag, cancellationToken, async (challenge, token) =>
        {
            var answer = await client(challenge.StatusAndText, token).ConfigureAwait(false);

            // RFC 9051 section 6.2.2: "*" cancels the exchange when there is no client to answer.
            _connection.Output.Write(answer is null ? "*"u8 : answer);
            WriteAscii("\r\n");
            await FlushAsync(token).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>Encodes straight into the output, so no string copy of the token is left behind.</summary>
    private void WriteBase64(byte[] message)
    {
        var output = _connection.Output;
        var length = Base64.GetMaxEncodedToUtf8Length(message.Length);
        var span = output.GetSpan(length);
        Base64.EncodeToUtf8(message, span, out _, out var written);
        output.Advance(written);
    }
}
