using System.Net.Sockets;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace FrontDoor.IntegrationTests.ScaleOut;

/// <summary>
/// A load balancer checks every node every second: its checks must not fill the log with warnings or read
/// as sessions. Each kind of check HAProxy can make, on a listener that trusts it for PROXY headers, leaves
/// only Debug lines.
/// </summary>
public class HealthCheckTests
{
    /// <summary>A PROXY v2 header with the LOCAL command (the proxy's own connection, as for a check), no addresses.</summary>
    private static readonly byte[] ProxyV2Local = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00];

    private static Task<TestFrontDoor> StartAsync(CapturingLoggerProvider capture) => TestFrontDoor.StartWithListenerAsync(
        """<listener name="imap" endpoint="127.0.0.1:0" proxyProtocol="true" trustedProxies="127.0.0.1/32" />""",
        """<backends><backend name="b" endpoint="127.0.0.1:9" /></backends><routing default="b" />""",
        services => services.AddSingleton<ILoggerProvider>(capture),
        "--Logging:LogLevel:Default", "Debug");

    [Fact]
    public Task A_connect_that_closes_before_the_proxy_header_is_a_debug_line() => AssertDebugOnlyAsync("[3010]", async endpoint =>
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint);
    });

    [Fact]
    public Task A_proxy_v2_local_header_then_a_close_is_a_debug_line() => AssertDebugOnlyAsync("End=ClientClosed", async endpoint =>
    {
        await using var client = await RawImapClient.ConnectAsync(endpoint);
        await client.SendAsync(ProxyV2Local);
        Assert.StartsWith("* OK", await client.ReadLineAsync(), StringComparison.Ordinal);
    });

    [Fact]
    public Task An_imap_check_reads_the_greeting_and_logs_out_in_debug_lines() => AssertDebugOnlyAsync("End=ClientLoggedOut", async endpoint =>
    {
        await using var client = await RawImapClient.ConnectAsync(endpoint);
        await client.SendAsync(ProxyV2Local);
        Assert.StartsWith("* OK", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.SendAsync("ck LOGOUT\r\n");
        Assert.Equal(["* BYE FrontDoor logging out", "ck OK LOGOUT completed"], await client.ReadUntilAsync("ck "));
    });

    /// <summary>Runs one check against a node; the line it leaves is at Debug, and nothing louder is logged.</summary>
    private static async Task AssertDebugOnlyAsync(string expected, Func<System.Net.IPEndPoint, Task> check)
    {
        var capture = new CapturingLoggerProvider();
        await using (var frontDoor = await StartAsync(capture))
        {
            await check(frontDoor.Endpoint);
            await WaitForAsync(capture, expected);
        }

        AssertQuiet(capture);
        Assert.Contains(capture.Lines, l => l.StartsWith("Debug ", StringComparison.Ordinal) && l.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_session_that_tried_to_log_in_is_still_logged_as_a_session()
    {
        var capture = new CapturingLoggerProvider();
        await using (var frontDoor = await StartAsync(capture))
        {
            await using (var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint))
            {
                await client.SendAsync(ProxyV2Local);
                await client.ReadLineAsync();
                await client.SendAsync("a1 LOGIN alice secret\r\n");
                Assert.StartsWith("a1 NO [UNAVAILABLE]", await client.ReadLineAsync(), StringComparison.Ordinal);
            }

            await WaitForAsync(capture, "End=ClientClosed");
        }

        Assert.Contains(capture.Lines, l => l.StartsWith("Information ", StringComparison.Ordinal) && l.Contains("End=ClientClosed", StringComparison.Ordinal));
    }

    /// <summary>Nothing above Debug but start and stop, and no session end at Information.</summary>
    internal static void AssertQuiet(CapturingLoggerProvider capture)
    {
        Assert.DoesNotContain(capture.Lines, l => l.StartsWith("Warning ", StringComparison.Ordinal) || l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal));
        Assert.DoesNotContain(capture.Lines, l => l.StartsWith("Information ", StringComparison.Ordinal) && l.Contains("[1006]", StringComparison.Ordinal));
    }

    internal static async Task WaitForAsync(CapturingLoggerProvider capture, string text, int count = 1)
    {
        for (var wait = 0; wait < 100 && capture.Lines.Count(l => l.Contains(text, StringComparison.Ordinal)) < count; wait++)
        {
            await Task.Delay(100);
        }

        Assert.True(capture.Lines.Count(l => l.Contains(text, StringComparison.Ordinal)) >= count, $"expected {count} log lines with {text}:\n{string.Join("\n", capture.Lines)}");
    }
}
