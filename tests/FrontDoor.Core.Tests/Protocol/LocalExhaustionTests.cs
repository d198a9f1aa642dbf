using System.Net.Sockets;
using FrontDoor.Core.Protocol;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

public class LocalExhaustionTests
{
    [Theory]
    [InlineData(SocketError.TooManyOpenSockets, true, true, true)]
    [InlineData(SocketError.NoBufferSpaceAvailable, false, true, true)]
    [InlineData(SocketError.AddressNotAvailable, false, false, true)]
    [InlineData(SocketError.ConnectionRefused, false, false, false)]
    [InlineData(SocketError.TimedOut, false, false, false)]
    [InlineData(SocketError.HostUnreachable, false, false, false)]
    public void Only_the_nodes_own_shortages_count_as_exhaustion(SocketError error, bool descriptors, bool resources, bool connectFailure)
    {
        Assert.Equal(descriptors, LocalExhaustion.IsDescriptors(error));
        Assert.Equal(resources, LocalExhaustion.IsResources(error));
        Assert.Equal(connectFailure, LocalExhaustion.IsConnectFailure(new SocketException((int)error)));
    }

    [Fact]
    public void A_failure_that_is_not_a_socket_error_is_the_backends()
    {
        Assert.False(LocalExhaustion.IsConnectFailure(new TimeoutException()));
        Assert.False(LocalExhaustion.IsConnectFailure(null));
    }
}
