using FrontDoor.Core.Diagnostics;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace FrontDoor.Core.Tests.Diagnostics;

public class MetricsOptionsTests
{
    private static MetricsOptions Read(string? prometheus)
    {
        var values = new Dictionary<string, string?> { ["frontDoor:listeners:listener:endpoint"] = "127.0.0.1:1143" };
        if (prometheus is not null)
        {
            values["frontDoor:metrics:prometheus"] = prometheus;
        }

        return MetricsOptions.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
    }

    [Fact]
    public void Without_the_element_there_is_no_endpoint()
    {
        var options = Read(null);
        Assert.Null(options.Prometheus);
        Assert.Null(options.Prefix);
        Assert.Null(options.ScrapeUrl);
    }

    [Theory]
    [InlineData("127.0.0.1:9464", "http://127.0.0.1:9464/", "http://127.0.0.1:9464/metrics")]
    [InlineData(" 10.1.2.3:19464 ", "http://10.1.2.3:19464/", "http://10.1.2.3:19464/metrics")]
    [InlineData("0.0.0.0:9464", "http://*:9464/", "http://127.0.0.1:9464/metrics")]
    [InlineData("[::]:9464", "http://*:9464/", "http://127.0.0.1:9464/metrics")]
    public void An_address_and_port_becomes_the_listener_prefix(string value, string prefix, string url)
    {
        var options = Read(value);
        Assert.Equal(prefix, options.Prefix);
        Assert.Equal(new Uri(url), options.ScrapeUrl);
    }

    [Theory]
    [InlineData("", "<metrics> prometheus=\"\": expected an IP address and port to serve /metrics on, e.g. 127.0.0.1:9464")]
    [InlineData("9464", "<metrics> prometheus=\"9464\": expected an IP address and port to serve /metrics on, e.g. 127.0.0.1:9464")]
    [InlineData("localhost:9464", "<metrics> prometheus=\"localhost:9464\": expected an IP address and port to serve /metrics on, e.g. 127.0.0.1:9464")]
    [InlineData("127.0.0.1:99999", "<metrics> prometheus=\"127.0.0.1:99999\": expected an IP address and port to serve /metrics on, e.g. 127.0.0.1:9464")]
    [InlineData("127.0.0.1:0", "<metrics> prometheus=\"127.0.0.1:0\": give a port (0 is not possible for the scrape endpoint), e.g. 127.0.0.1:9464")]
    [InlineData("[::1]:9464", "<metrics> prometheus=\"[::1]:9464\": an IPv6 address other than [::] cannot be served; give an IPv4 address, 0.0.0.0 or [::] (all addresses)")]
    public void A_bad_value_is_one_line_naming_it(string value, string message)
    {
        var error = Assert.Throws<FrontDoorConfigurationException>(() => Read(value));
        Assert.Equal(message, error.Message);
    }
}
