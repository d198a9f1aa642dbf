using System.Net;
using System.Net.Sockets;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>
/// Golden transcripts of the pre-auth state machine: "C:" lines are sent, "S:" lines must come back
/// exactly, "S: &lt;closed&gt;" means FrontDoor closed the connection. Run against a real FrontDoor host.
/// </summary>
public class PreAuthTranscriptTests
{
    public static TheoryData<string> Transcripts()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Sessions", "Transcripts", "PreAuth"), "*.txt").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Transcripts))]
    public async Task Transcript_plays_exactly(string name)
    {
        // The routed backend is a port nobody listens on.
        var deadPort = FreePort();
        await using var frontDoor = await TestFrontDoor.StartAsync(
            $"<backends><backend name=\"gone\" endpoint=\"127.0.0.1:{deadPort}\" connectTimeout=\"2\" /></backends><routing default=\"gone\" />");
        await using var client = await RawImapClient.ConnectAsync(frontDoor.Endpoint);

        var lines = await File.ReadAllLinesAsync(Path.Combine(AppContext.BaseDirectory, "Sessions", "Transcripts", "PreAuth", name));
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            if (line.StartsWith("C: ", StringComparison.Ordinal) || line == "C:")
            {
                await client.SendAsync((line.Length > 3 ? line[3..] : string.Empty) + "\r\n");
            }
            else if (line.StartsWith("S: ", StringComparison.Ordinal))
            {
                var expected = line[3..];
                if (expected == "<closed>")
                {
                    Assert.True(await client.IsClosedAsync(), $"{name}:{number}: expected the connection closed");
                    continue;
                }

                var actual = await client.ReadLineAsync();
                Assert.True(expected == actual, $"{name}:{number}: expected \"{expected}\", got \"{actual ?? "<closed>"}\"");
            }
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
