using System.Diagnostics;
using FrontDoor.Admin;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.IntegrationTests.Admin;

/// <summary><c>FrontDoor who / kick / drain --config PATH</c> against a running FrontDoor: output and exit codes.</summary>
public sealed class AdminCommandTests : IClassFixture<AdminFixture>, IDisposable
{
    private readonly AdminFixture _fixture;
    private readonly string _directory = Directory.CreateTempSubdirectory("frontdoor-admin-cli-").FullName;

    public AdminCommandTests(AdminFixture fixture)
    {
        _fixture = fixture;
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await AdminCommands.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Who_prints_the_session_table_and_says_when_nothing_matches()
    {
        using var client = await _fixture.LoginAsync("alice");
        await _fixture.WaitForSessionsAsync("alice", 1);

        var (exit, output, _) = await RunAsync("who", "--user", "alice", "--config", _fixture.ConfigPath);
        Assert.Equal(AdminCommands.Done, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("user", lines[0], StringComparison.Ordinal);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("alice ", lines[1], StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{_fixture.Modern.Port}", lines[1], StringComparison.Ordinal);

        (exit, output, _) = await RunAsync("who", "--backend", "other", "--user", "alice", "--config", _fixture.ConfigPath);
        Assert.Equal(AdminCommands.NothingMatched, exit);
        Assert.Equal("no sessions match", output.Trim());
    }

    [Fact]
    public async Task Kick_ends_the_users_sessions_and_exits_1_when_there_were_none()
    {
        using var client = await _fixture.LoginAsync("grace");
        await _fixture.WaitForSessionsAsync("grace", 1);

        var (exit, output, _) = await RunAsync("kick", "grace", "--config", _fixture.ConfigPath);
        Assert.Equal(AdminCommands.Done, exit);
        Assert.Equal("kicked 1 session(s) of grace", output.Trim());
        await _fixture.WaitForSessionsAsync("grace", 0);

        (exit, _, var error) = await RunAsync("kick", "grace", "--config", _fixture.ConfigPath);
        Assert.Equal(AdminCommands.NothingMatched, exit);
        Assert.Equal("no session of grace", error.Trim());
    }

    [Fact]
    public async Task Drain_and_undo_and_an_unknown_backend()
    {
        var (exit, output, _) = await RunAsync("drain", "other", "--no-kick", "--config", _fixture.ConfigPath);
        try
        {
            Assert.Equal(AdminCommands.Done, exit);
            Assert.StartsWith("drained other:", output.Trim(), StringComparison.Ordinal);
        }
        finally
        {
            (exit, output, _) = await RunAsync("drain", "other", "--undo", "--config", _fixture.ConfigPath);
        }

        Assert.Equal(AdminCommands.Done, exit);
        Assert.Equal("other takes logins again", output.Trim());

        (exit, _, var error) = await RunAsync("drain", "nowhere", "--config", _fixture.ConfigPath);
        Assert.Equal(AdminCommands.NothingMatched, exit);
        Assert.Equal("no backend is named nowhere", error.Trim());
    }

    [Fact]
    public async Task A_refused_token_or_an_unreachable_endpoint_exits_2_with_one_line()
    {
        var wrongToken = Path.Combine(_directory, "wrong.token");
        await File.WriteAllTextAsync(wrongToken, "not-the-right-token-at-all");
        var wrong = await ConfigAsync("wrong.config", $"""<admin endpoint="{_fixture.AdminAddress.Host}:{_fixture.AdminAddress.Port}" tokenFile="{wrongToken}" />""");
        var (exit, _, error) = await RunAsync("who", "--config", wrong);
        Assert.Equal(AdminCommands.Failed, exit);
        Assert.Equal($"the admin endpoint at {_fixture.AdminAddress} refused the token in tokenFile", error.Trim());

        var nobody = await ConfigAsync("nobody.config", $"""<admin endpoint="127.0.0.1:{LoopbackPorts.Pick()}" tokenFile="{wrongToken}" />""");
        (exit, _, error) = await RunAsync("kick", "bob", "--config", nobody);
        Assert.Equal(AdminCommands.Failed, exit);
        Assert.StartsWith("cannot reach the admin endpoint at http://127.0.0.1:", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));

        var none = await ConfigAsync("none.config", string.Empty);
        (exit, _, error) = await RunAsync("drain", "modern", "--config", none);
        Assert.Equal(AdminCommands.Failed, exit);
        Assert.Contains("no <admin endpoint=... tokenFile=...> element", error, StringComparison.Ordinal);

        (exit, _, error) = await RunAsync("kick", "--config", none);
        Assert.Equal(AdminCommands.Failed, exit);
        Assert.StartsWith("kick: say which user", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_executable_runs_who_against_the_endpoint()
    {
        using var client = await _fixture.LoginAsync("dave");
        await _fixture.WaitForSessionsAsync("dave", 1);
        var program = Path.Combine(Path.GetDirectoryName(RepoPaths.PluginDirectory)!, "FrontDoor.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { program, "who", "--user", "dave", "--config", _fixture.ConfigPath })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("dave ", output, StringComparison.Ordinal);
    }

    private async Task<string> ConfigAsync(string name, string frontDoorBody)
    {
        var path = Path.Combine(_directory, name);
        await File.WriteAllTextAsync(path, $"""<?xml version="1.0" encoding="utf-8"?><configuration><frontDoor>{frontDoorBody}</frontDoor></configuration>""");
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
