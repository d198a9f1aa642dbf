using System.Net.Http.Headers;
using System.Text.Json;
using FrontDoor.Admin;
using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FrontDoor.IntegrationTests.Admin;

/// <summary>
/// Two real Dovecot servers ("modern" and "other") behind a real FrontDoor with its admin endpoint on a
/// named loopback port and a token file. carol@example.org goes to "other", everyone else to "modern".
/// </summary>
public sealed class AdminFixture : IAsyncLifetime
{
    public const string Token = "test-admin-token-0123456789abcdef";

    public static readonly IReadOnlyDictionary<string, string> Users = new Dictionary<string, string>
    {
        ["alice"] = "alice-pw",
        ["bob"] = "bob-pw",
        ["dave"] = "dave-pw",
        ["erin"] = "erin-pw",
        ["frank"] = "frank-pw",
        ["grace"] = "grace-pw",
        ["carol@example.org"] = "carol-pw",
    };

    private string _tokenDirectory = null!;

    public DovecotServer Modern { get; private set; } = null!;

    public DovecotServer Other { get; private set; } = null!;

    internal TestFrontDoor FrontDoor { get; private set; } = null!;

    public Uri AdminAddress { get; private set; } = null!;

    public string ConfigPath => FrontDoor.ConfigPath;

    public async Task InitializeAsync()
    {
        Modern = await DovecotServer.StartAsync(Users);
        Other = await DovecotServer.StartAsync(Users);
        _tokenDirectory = Directory.CreateTempSubdirectory("frontdoor-admin-").FullName;
        var tokenFile = Path.Combine(_tokenDirectory, "admin.token");
        await File.WriteAllTextAsync(tokenFile, Token + "\n");
        FrontDoor = await TestFrontDoor.StartAsync(
            $"""
            <backends>
              <backend name="modern" endpoint="127.0.0.1:{Modern.Port}" literalPlus="passthrough" />
              <backend name="other" endpoint="127.0.0.1:{Other.Port}" literalPlus="passthrough" />
            </backends>
            <routing default="modern">
              <route domain="example.org" backend="other" />
            </routing>
            <admin endpoint="127.0.0.1:{LoopbackPorts.Pick()}" tokenFile="{tokenFile}" />
            """,
            appSettings: "",
            configureHost: services => services.AddFrontDoorAdmin());
        AdminAddress = FrontDoor.Services.GetRequiredService<AdminEndpointService>().Address
            ?? throw new InvalidOperationException("the admin endpoint did not start");
    }

    public async Task DisposeAsync()
    {
        await FrontDoor.DisposeAsync();
        await Modern.DisposeAsync();
        await Other.DisposeAsync();
        Directory.Delete(_tokenDirectory, recursive: true);
    }

    /// <summary>An HTTP client for the admin endpoint, with the token unless <paramref name="token"/> says otherwise.</summary>
    public HttpClient Http(string? token = Token)
    {
        var http = new HttpClient { BaseAddress = AdminAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    /// <summary>A MailKit client logged in through FrontDoor; its protocol log (both directions) goes to <paramref name="log"/>.</summary>
    public async Task<ImapClient> LoginAsync(string user, Stream? log = null)
    {
        var client = log is null ? new ImapClient() : new ImapClient(new ProtocolLogger(log, leaveOpen: true));
        await client.ConnectAsync(FrontDoor.Endpoint.Address.ToString(), FrontDoor.Endpoint.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(user, Users[user]);
        return client;
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var http = Http();
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public async Task<JsonElement> PostJsonAsync(string path)
    {
        using var http = Http();
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content: null);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>How many sessions of <paramref name="user"/> the API lists.</summary>
    public async Task<int> SessionsOfAsync(string user) =>
        (await GetJsonAsync($"api/sessions?user={Uri.EscapeDataString(user)}")).GetProperty("total").GetInt32();

    /// <summary>Waits (up to 15 s) until the API lists <paramref name="count"/> sessions of <paramref name="user"/>.</summary>
    public async Task WaitForSessionsAsync(string user, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        int seen;
        while ((seen = await SessionsOfAsync(user)) != count)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"expected {count} sessions of {user}, the API lists {seen}");
            }

            await Task.Delay(50);
        }
    }
}
