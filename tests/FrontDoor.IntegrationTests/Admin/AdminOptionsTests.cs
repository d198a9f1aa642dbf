using FrontDoor.Admin;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace FrontDoor.IntegrationTests.Admin;

/// <summary>&lt;admin&gt; is read with one-line errors naming the element and the value.</summary>
public sealed class AdminOptionsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("frontdoor-admin-options-").FullName;

    private AdminOptions? Read(params (string Key, string Value)[] attributes)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(attributes.Select(a => new KeyValuePair<string, string?>("frontDoor:admin:" + a.Key, a.Value)))
            .Build();
        return AdminOptions.Read(configuration, _directory);
    }

    [Fact]
    public void No_admin_element_means_no_endpoint() => Assert.Null(Read());

    [Fact]
    public void A_good_element_is_read_and_the_token_accepted_only_as_a_bearer()
    {
        File.WriteAllText(Path.Combine(_directory, "admin.token"), "0123456789abcdef0123\n");
        var options = Read(("endpoint", "127.0.0.1:8080"), ("tokenFile", "admin.token"), ("anonymousRead", "true"))!;
        Assert.Equal(8080, options.Endpoint.Port);
        Assert.True(options.AnonymousRead);
        Assert.True(options.Token.Accepts("Bearer 0123456789abcdef0123"));
        Assert.True(options.Token.Accepts("bearer 0123456789abcdef0123"));
        Assert.False(options.Token.Accepts("0123456789abcdef0123"));
        Assert.False(options.Token.Accepts("Bearer 0123456789abcdef012"));
        Assert.False(options.Token.Accepts("Basic 0123456789abcdef0123"));
        Assert.False(options.Token.Accepts(null));
    }

    [Theory]
    [InlineData("localhost:80", "admin.token", "<admin> endpoint=\"localhost:80\"")]
    [InlineData("127.0.0.1:8080", "missing.token", "<admin> tokenFile=\"missing.token\": file not found")]
    [InlineData("127.0.0.1:8080", "short.token", "<admin> tokenFile=\"short.token\": the file must hold one token of at least 16 characters")]
    public void A_bad_value_is_one_line_naming_it(string endpoint, string tokenFile, string expected)
    {
        File.WriteAllText(Path.Combine(_directory, "admin.token"), "0123456789abcdef0123");
        File.WriteAllText(Path.Combine(_directory, "short.token"), "short");
        var error = Assert.Throws<FrontDoorConfigurationException>(() => Read(("endpoint", endpoint), ("tokenFile", tokenFile)));
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_missing_token_file_attribute_is_named()
    {
        var error = Assert.Throws<FrontDoorConfigurationException>(() => Read(("endpoint", "127.0.0.1:8080")));
        Assert.Equal("<admin>: attribute tokenFile is missing", error.Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
