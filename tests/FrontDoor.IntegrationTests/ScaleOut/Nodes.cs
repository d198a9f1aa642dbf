using System.Net;
using System.Net.Sockets;
using FrontDoor.Core.Hooks;
using FrontDoor.Testing;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FrontDoor.IntegrationTests.ScaleOut;

/// <summary>
/// Identical in-process FrontDoor nodes with one config, each with its own log capture, behind a balancer
/// at 127.0.0.1 (trusted for PROXY headers). Clients that talk to a node directly connect from another
/// loopback address, which is not trusted, so they need no header.
/// </summary>
internal sealed class Nodes : IAsyncDisposable
{
    public const string Listener = """proxyProtocol="true" trustedProxies="127.0.0.1/32" """;

    /// <summary>Where clients come from when they talk to a node directly (not a trusted balancer).</summary>
    public static readonly IPAddress DirectClient = IPAddress.Parse("127.0.0.2");

    private Nodes(IReadOnlyList<TestFrontDoor> all, IReadOnlyList<CapturingLoggerProvider> logs)
    {
        All = all;
        Logs = logs;
    }

    public IReadOnlyList<TestFrontDoor> All { get; }

    public IReadOnlyList<CapturingLoggerProvider> Logs { get; }

    public IReadOnlyList<IPEndPoint> Endpoints => [.. All.Select(n => n.Endpoint)];

    public static async Task<Nodes> StartAsync(int count, string frontDoorBody)
    {
        var all = new List<TestFrontDoor>();
        var logs = new List<CapturingLoggerProvider>();
        for (var i = 0; i < count; i++)
        {
            var capture = new CapturingLoggerProvider();
            logs.Add(capture);
            all.Add(await TestFrontDoor.StartWithListenerAsync(
                $"""<listener name="imap" endpoint="127.0.0.1:0" {Listener} />""",
                frontDoorBody,
                services => services.AddSingleton<ILoggerProvider>(capture),
                "--Logging:LogLevel:FrontDoor.Core", "Debug"));
        }

        return new Nodes(all, logs);
    }

    /// <summary>A MailKit client logged in as <paramref name="user"/> at <paramref name="endpoint"/>, connecting from <paramref name="from"/>.</summary>
    public static async Task<ImapClient> LoginAsync(IPEndPoint endpoint, string user, string password, IPAddress? from = null)
    {
        var client = new ImapClient { LocalEndPoint = new IPEndPoint(from ?? DirectClient, 0), Timeout = 20_000 };
        try
        {
            await client.ConnectAsync(endpoint.Address.ToString(), endpoint.Port, SecureSocketOptions.None);
            await client.AuthenticateAsync(user, password);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The backend the node's session registry shows for the user's one open session (registered just after the login's OK).</summary>
    public static async Task<string> BackendOfAsync(TestFrontDoor node, string user)
    {
        var registry = node.Services.GetRequiredService<ISessionRegistry>();
        for (var wait = 0; wait < 100; wait++)
        {
            if (registry.Find(s => s.User == user) is [var session])
            {
                return session.Backend;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException($"no single session of {user} in the registry");
    }

    /// <summary>Logs out and waits until the node has forgotten the session, so the next login of the user is the only one.</summary>
    public static async Task LogoutAsync(TestFrontDoor node, ImapClient client, string user)
    {
        await client.DisconnectAsync(quit: true);
        client.Dispose();
        var registry = node.Services.GetRequiredService<ISessionRegistry>();
        for (var wait = 0; wait < 100 && registry.Find(s => s.User == user).Count > 0; wait++)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>One LOGIN with a wrong password from <paramref name="from"/>; the tagged answer.</summary>
    public static async Task<string> FailLoginAsync(IPEndPoint endpoint, string user, IPAddress from)
    {
        using var tcp = new TcpClient(new IPEndPoint(from, 0));
        await tcp.ConnectAsync(endpoint);
        await using var client = new RawImapClient(tcp);
        await client.ReadLineAsync();
        await client.SendAsync($"a1 LOGIN \"{user}\" wrong-password\r\n");
        return await client.ReadLineAsync() ?? "<closed>";
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in All)
        {
            await node.DisposeAsync();
        }
    }
}
