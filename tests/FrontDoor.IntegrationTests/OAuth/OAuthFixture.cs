using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.IntegrationTests.OAuth;

/// <summary>
/// A loopback token endpoint, a real Dovecot whose oauth2 passdb asks it ("oauth": bob, alice), a real Dovecot
/// without the oauth2 passdb ("passwords": carol) and FrontDoor offering PLAIN LOGIN OAUTHBEARER XOAUTH2.
/// </summary>
public sealed class OAuthFixture : IAsyncLifetime
{
    public const string Mechanisms = "PLAIN LOGIN OAUTHBEARER XOAUTH2";

    public static readonly IReadOnlyDictionary<string, string> OAuthUsers = new Dictionary<string, string>
    {
        ["bob"] = "bob-pw",
        ["alice"] = "alice-pw",
    };

    public TokenEndpoint Tokens { get; private set; } = null!;

    public DovecotServer OAuthBackend { get; private set; } = null!;

    public DovecotServer PasswordBackend { get; private set; } = null!;

    internal TestFrontDoor FrontDoor { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Tokens = await TokenEndpoint.StartAsync();
        OAuthBackend = await DovecotServer.StartAsync(OAuthUsers, extraConfig: null, Tokens.IntrospectionUrl);
        PasswordBackend = await DovecotServer.StartAsync(new Dictionary<string, string> { ["carol"] = "carol-pw" });
        FrontDoor = await TestFrontDoor.StartWithListenerAsync(
            $"""<listener name="imap" endpoint="127.0.0.1:0" tls="none" saslMechanisms="{Mechanisms}" />""",
            Body(OAuthBackend.Port, PasswordBackend.Port, string.Empty));
    }

    /// <summary>The backends, routes (carol to the backend without oauth2) and fast failure answers.</summary>
    internal static string Body(int oauthPort, int passwordPort, string extra) => $"""
        <backends>
          <backend name="oauth" endpoint="127.0.0.1:{oauthPort}" />
          <backend name="passwords" endpoint="127.0.0.1:{passwordPort}" />
        </backends>
        <routing default="oauth">
          <route user="carol" backend="passwords" />
        </routing>
        <limits authFailureDelay="0.001" maxAuthFailureDelay="0.001" />
        {extra}
        """;

    public async Task DisposeAsync()
    {
        await FrontDoor.DisposeAsync();
        await OAuthBackend.DisposeAsync();
        await PasswordBackend.DisposeAsync();
        await Tokens.DisposeAsync();
    }
}
