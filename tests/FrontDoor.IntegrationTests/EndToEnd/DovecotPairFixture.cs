using FrontDoor.IntegrationTests.Servers;
using FrontDoor.Testing;
using Xunit;

namespace FrontDoor.IntegrationTests.EndToEnd;

/// <summary>
/// Two real Dovecot servers ("modern" and "other") and a real FrontDoor in front of them: alice and the
/// domain example.org go to "other", everyone else to "modern". Shared by the tests of one class.
/// </summary>
public sealed class DovecotPairFixture : IAsyncLifetime
{
    public static readonly IReadOnlyDictionary<string, string> Users = new Dictionary<string, string>
    {
        ["alice"] = "alice-pw",
        ["bob"] = "bob-pw",
        ["carol@example.org"] = "carol-pw",
    };

    public DovecotServer Modern { get; private set; } = null!;

    public DovecotServer Other { get; private set; } = null!;

    internal TestFrontDoor FrontDoor { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Modern = await DovecotServer.StartAsync(Users);
        Other = await DovecotServer.StartAsync(Users);
        FrontDoor = await TestFrontDoor.StartAsync($"""
            <backends>
              <backend name="modern" endpoint="127.0.0.1:{Modern.Port}" literalPlus="passthrough" />
              <backend name="other" endpoint="127.0.0.1:{Other.Port}" literalPlus="passthrough" />
            </backends>
            <routing default="modern">
              <route user="alice" backend="other" />
              <route domain="example.org" backend="other" />
            </routing>
            """);
    }

    public async Task DisposeAsync()
    {
        await FrontDoor.DisposeAsync();
        await Modern.DisposeAsync();
        await Other.DisposeAsync();
    }
}
