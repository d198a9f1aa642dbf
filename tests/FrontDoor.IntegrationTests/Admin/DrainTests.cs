using System.Text;
using Xunit;

namespace FrontDoor.IntegrationTests.Admin;

/// <summary>Draining a backend through the admin API: no new logins, its sessions kicked or left to end, undo.</summary>
public class DrainTests : IClassFixture<AdminFixture>
{
    private readonly AdminFixture _fixture;

    public DrainTests(AdminFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task A_drained_backend_takes_no_logins_its_sessions_are_kicked_and_undrain_opens_it_again()
    {
        using var log = new MemoryStream();
        using var bob = await _fixture.LoginAsync("bob", log);
        using var carol = await _fixture.LoginAsync("carol@example.org");
        await _fixture.WaitForSessionsAsync("bob", 1);
        try
        {
            var drained = await _fixture.PostJsonAsync("api/backends/modern/drain");
            Assert.True(drained.GetProperty("drained").GetBoolean());
            Assert.Equal(1, drained.GetProperty("kicked").GetInt32());

            await _fixture.WaitForSessionsAsync("bob", 0);
            await Assert.ThrowsAnyAsync<Exception>(() => bob.NoOpAsync());
            Assert.Contains("* BYE [UNAVAILABLE] This mail server is being taken out of service", Encoding.UTF8.GetString(log.ToArray()), StringComparison.Ordinal);

            // The other backend's user goes on; a new login to the drained one is refused.
            await carol.NoOpAsync();
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => _fixture.LoginAsync("bob"));
            Assert.Contains("not available", refused.Message, StringComparison.Ordinal);
            var modern = await ModernAsync();
            Assert.Equal("drained", modern.GetProperty("health").GetString());
        }
        finally
        {
            await _fixture.PostJsonAsync("api/backends/modern/undrain");
        }

        Assert.False((await ModernAsync()).GetProperty("drained").GetBoolean());
        using var again = await _fixture.LoginAsync("bob");
        Assert.True(again.IsAuthenticated);
    }

    [Fact]
    public async Task A_drain_with_kick_false_leaves_the_sessions_to_end_on_their_own()
    {
        using var dave = await _fixture.LoginAsync("dave");
        await _fixture.WaitForSessionsAsync("dave", 1);
        try
        {
            var drained = await _fixture.PostJsonAsync("api/backends/modern/drain?kick=false");
            Assert.Equal(0, drained.GetProperty("kicked").GetInt32());
            await dave.NoOpAsync();
            Assert.Equal(1, await _fixture.SessionsOfAsync("dave"));
            await Assert.ThrowsAnyAsync<Exception>(() => _fixture.LoginAsync("erin"));
        }
        finally
        {
            await _fixture.PostJsonAsync("api/backends/modern/undrain");
        }

        await dave.NoOpAsync();
    }

    [Fact]
    public async Task A_drain_survives_a_config_reload()
    {
        await _fixture.PostJsonAsync("api/backends/other/drain?kick=false");
        try
        {
            var config = await File.ReadAllTextAsync(_fixture.ConfigPath);
            await File.WriteAllTextAsync(_fixture.ConfigPath, config.Replace("</backends>", "<backend name=\"spare\" endpoint=\"127.0.0.1:9\" /></backends>", StringComparison.Ordinal));

            // The edit is applied when the new backend shows (the file watch may fire more than once per write).
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            List<System.Text.Json.JsonElement> backends;
            while (!(backends = (await _fixture.GetJsonAsync("api/backends")).GetProperty("backends").EnumerateArray().ToList())
                .Exists(b => b.GetProperty("name").GetString() == "spare"))
            {
                Assert.True(DateTime.UtcNow < deadline, "the edit was not reloaded");
                await Task.Delay(100);
            }

            Assert.True((await _fixture.GetJsonAsync("api/status")).GetProperty("lastReload").GetProperty("applied").GetBoolean());
            Assert.True(backends.Single(b => b.GetProperty("name").GetString() == "other").GetProperty("drained").GetBoolean());
            await File.WriteAllTextAsync(_fixture.ConfigPath, config);
        }
        finally
        {
            await _fixture.PostJsonAsync("api/backends/other/undrain");
        }
    }

    [Fact]
    public async Task Draining_an_unknown_backend_is_not_found()
    {
        using var http = _fixture.Http();
        using var response = await http.PostAsync(new Uri("api/backends/nowhere/drain", UriKind.Relative), null);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<System.Text.Json.JsonElement> ModernAsync() =>
        (await _fixture.GetJsonAsync("api/backends")).GetProperty("backends").EnumerateArray().Single(b => b.GetProperty("name").GetString() == "modern");
}
