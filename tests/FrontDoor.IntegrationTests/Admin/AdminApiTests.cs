using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Xunit;

namespace FrontDoor.IntegrationTests.Admin;

/// <summary>The admin API against a running FrontDoor, with MailKit sessions to real Dovecot servers.</summary>
public class AdminApiTests : IClassFixture<AdminFixture>
{
    private readonly AdminFixture _fixture;

    public AdminApiTests(AdminFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task Kicking_a_user_ends_only_that_users_sessions_and_MailKit_sees_BYE()
    {
        using var bobLog1 = new MemoryStream();
        using var bobLog2 = new MemoryStream();
        using var bob1 = await _fixture.LoginAsync("bob", bobLog1);
        using var bob2 = await _fixture.LoginAsync("bob", bobLog2);
        using var carol = await _fixture.LoginAsync("carol@example.org");
        using var dave = await _fixture.LoginAsync("dave");
        await _fixture.WaitForSessionsAsync("bob", 2);
        await _fixture.WaitForSessionsAsync("carol@example.org", 1);

        var result = await _fixture.PostJsonAsync("api/sessions/kick?user=bob");
        Assert.Equal(2, result.GetProperty("kicked").GetInt32());

        await _fixture.WaitForSessionsAsync("bob", 0);
        foreach (var (client, log) in new[] { (bob1, bobLog1), (bob2, bobLog2) })
        {
            // The session is gone: the next command finds the connection closed...
            await Assert.ThrowsAnyAsync<Exception>(() => client.NoOpAsync());
            Assert.False(client.IsConnected);

            // ...and what the server said last was the BYE with the reason.
            var text = Encoding.UTF8.GetString(log.ToArray());
            Assert.Contains("* BYE [UNAVAILABLE] Your session was ended by the administrator", text, StringComparison.Ordinal);
        }

        // Everyone else goes on.
        await carol.NoOpAsync();
        await dave.NoOpAsync();
        Assert.Equal(1, await _fixture.SessionsOfAsync("carol@example.org"));
        Assert.Equal(1, await _fixture.SessionsOfAsync("dave"));
        await carol.DisconnectAsync(quit: true);
        await dave.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Kicking_one_session_by_id_leaves_the_users_other_session()
    {
        using var first = await _fixture.LoginAsync("erin");
        using var second = await _fixture.LoginAsync("erin");
        await _fixture.WaitForSessionsAsync("erin", 2);
        var sessions = (await _fixture.GetJsonAsync("api/sessions?user=erin")).GetProperty("sessions");
        var id = sessions[0].GetProperty("id").GetString()!;

        var result = await _fixture.PostJsonAsync($"api/sessions/kick?session={Uri.EscapeDataString(id)}");

        Assert.Equal(1, result.GetProperty("kicked").GetInt32());
        await _fixture.WaitForSessionsAsync("erin", 1);
        var left = (await _fixture.GetJsonAsync("api/sessions?user=erin")).GetProperty("sessions")[0].GetProperty("id").GetString();
        Assert.NotEqual(id, left);
    }

    [Fact]
    public async Task A_kick_without_a_filter_is_refused_and_a_kick_that_matches_nobody_says_zero()
    {
        using var http = _fixture.Http();
        using var bare = await http.PostAsync(new Uri("api/sessions/kick", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);

        var nobody = await _fixture.PostJsonAsync("api/sessions/kick?user=nobody-here");
        Assert.Equal(0, nobody.GetProperty("kicked").GetInt32());
    }

    [Fact]
    public async Task Sessions_are_listed_with_their_figures_and_paged()
    {
        var clients = new List<ImapClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                clients.Add(await _fixture.LoginAsync("frank"));
            }

            await _fixture.WaitForSessionsAsync("frank", 3);
            await clients[0].Inbox.OpenAsync(FolderAccess.ReadOnly);

            var first = await _fixture.GetJsonAsync("api/sessions?user=frank&pageSize=2");
            Assert.Equal(3, first.GetProperty("total").GetInt32());
            Assert.Equal(2, first.GetProperty("sessions").GetArrayLength());
            var second = await _fixture.GetJsonAsync("api/sessions?user=frank&pageSize=2&page=2");
            Assert.Equal(1, second.GetProperty("sessions").GetArrayLength());

            var ids = first.GetProperty("sessions").EnumerateArray().Concat(second.GetProperty("sessions").EnumerateArray())
                .Select(s => s.GetProperty("id").GetString()).Distinct().Count();
            Assert.Equal(3, ids);

            var session = first.GetProperty("sessions")[0];
            Assert.Equal("frank", session.GetProperty("user").GetString());
            Assert.Equal("modern", session.GetProperty("backend").GetString());
            Assert.Equal($"127.0.0.1:{_fixture.Modern.Port}", session.GetProperty("endpoint").GetString());
            Assert.Equal("imap", session.GetProperty("listener").GetString());
            Assert.StartsWith("127.0.0.1:", session.GetProperty("clientAddress").GetString(), StringComparison.Ordinal);
            Assert.True(session.GetProperty("bytesToClient").GetInt64() >= 0);

            var onBackend = await _fixture.GetJsonAsync("api/sessions?backend=other&user=frank");
            Assert.Equal(0, onBackend.GetProperty("total").GetInt32());
            Assert.True(first.GetProperty("perBackend").GetProperty("modern").GetInt32() >= 3);
            Assert.True(first.GetProperty("perListener").GetProperty("imap").GetInt32() >= 3);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task Backends_show_health_sessions_logins_and_connect_latency()
    {
        using var client = await _fixture.LoginAsync("grace");
        await _fixture.WaitForSessionsAsync("grace", 1);

        var backends = (await _fixture.GetJsonAsync("api/backends")).GetProperty("backends").EnumerateArray().ToList();
        var modern = backends.Single(b => b.GetProperty("name").GetString() == "modern");
        Assert.Equal("up", modern.GetProperty("health").GetString());
        Assert.False(modern.GetProperty("drained").GetBoolean());
        Assert.Equal("closed", modern.GetProperty("endpoints")[0].GetProperty("breaker").GetString());
        Assert.True(modern.GetProperty("sessions").GetInt32() >= 1);
        Assert.True(modern.GetProperty("loginsPerMinute").GetInt32() >= 1);
        Assert.True(modern.GetProperty("connectP50Ms").GetDouble() > 0);
        Assert.True(modern.GetProperty("connectP99Ms").GetDouble() >= modern.GetProperty("connectP50Ms").GetDouble());
        Assert.True(modern.GetProperty("capabilityRewrites").GetInt64() >= 0);
        Assert.Contains(backends, b => b.GetProperty("name").GetString() == "other");
    }

    [Fact]
    public async Task Status_names_the_version_config_listeners_and_plugins()
    {
        var status = await _fixture.GetJsonAsync("api/status");
        Assert.False(string.IsNullOrEmpty(status.GetProperty("version").GetString()));
        Assert.Equal(_fixture.ConfigPath, status.GetProperty("configFile").GetString());
        Assert.Equal("imap", status.GetProperty("listeners")[0].GetProperty("name").GetString());
        Assert.Equal(_fixture.FrontDoor.Endpoint.ToString(), status.GetProperty("listeners")[0].GetProperty("endpoint").GetString());
        var plugins = status.GetProperty("plugins").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.Contains("BackendRouting", plugins);
        Assert.True(status.GetProperty("uptimeSeconds").GetDouble() >= 0);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_API()
    {
        var document = await _fixture.GetJsonAsync("openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/api/sessions", "/api/sessions/kick", "/api/backends", "/api/backends/{name}/drain", "/api/backends/{name}/undrain", "/api/status" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
    }

    [Theory]
    [InlineData("GET", "api/sessions")]
    [InlineData("GET", "api/backends")]
    [InlineData("GET", "api/status")]
    [InlineData("GET", "openapi/v1.json")]
    [InlineData("POST", "api/sessions/kick?user=bob")]
    [InlineData("POST", "api/backends/modern/drain")]
    [InlineData("POST", "api/backends/modern/undrain")]
    public async Task Every_call_is_refused_without_the_token_or_with_a_wrong_one(string method, string path)
    {
        foreach (var token in new[] { null, "wrong", AdminFixture.Token + "x", AdminFixture.Token[..^1], string.Empty })
        {
            using var http = _fixture.Http(token);
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }

        // Nothing was drained by the refused calls.
        var modern = (await _fixture.GetJsonAsync("api/backends")).GetProperty("backends").EnumerateArray().Single(b => b.GetProperty("name").GetString() == "modern");
        Assert.False(modern.GetProperty("drained").GetBoolean());
    }

    [Fact]
    public async Task The_page_itself_is_served_without_the_token_and_forbids_inline_script()
    {
        using var http = _fixture.Http(token: null);
        using var page = await http.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        using var script = await http.GetAsync(new Uri("/page/app.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    [Fact]
    public async Task A_query_string_of_1_MB_is_refused()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_fixture.AdminAddress.Host, _fixture.AdminAddress.Port);
        var stream = tcp.GetStream();
        var head = Encoding.ASCII.GetBytes($"GET /api/sessions?user={new string('a', 1024 * 1024)} HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer {AdminFixture.Token}\r\n\r\n");
        try
        {
            await stream.WriteAsync(head);
        }
        catch (IOException)
        {
            // Kestrel may answer and close before it has all of it: the answer is what counts.
        }

        using var reader = new StreamReader(stream, Encoding.ASCII);
        var status = await reader.ReadLineAsync();
        Assert.Equal("HTTP/1.1 414 URI Too Long", status);
    }

    [Fact]
    public async Task A_hostile_or_huge_login_name_comes_back_escaped_and_cut_in_the_JSON()
    {
        const string hostile = "<img src=x onerror=alert(1)>";
        var huge = new string('z', 10 * 1024);
        foreach (var name in new[] { hostile, huge })
        {
            using var client = new ImapClient();
            await client.ConnectAsync(_fixture.FrontDoor.Endpoint.Address.ToString(), _fixture.FrontDoor.Endpoint.Port, SecureSocketOptions.None);
            await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(name, "wrong"));
        }

        using var http = _fixture.Http();
        var raw = await http.GetStringAsync(new Uri("api/status", UriKind.Relative));

        // The JSON writer escapes markup characters; the raw text holds no tag.
        Assert.DoesNotContain("<img", raw, StringComparison.Ordinal);
        Assert.Contains("\\u003Cimg src=x onerror=alert(1)\\u003E", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('z', 65), raw, StringComparison.Ordinal);

        var failures = JsonDocument.Parse(raw).RootElement.GetProperty("recentLoginFailures").EnumerateArray()
            .Select(f => f.GetProperty("user").GetString()!).ToList();
        Assert.Contains(hostile, failures);
        Assert.Contains(new string('z', 64) + "…", failures);
        Assert.All(failures, u => Assert.True(u.Length <= 65, u));
        Assert.DoesNotContain("wrong", raw, StringComparison.Ordinal);
    }
}
