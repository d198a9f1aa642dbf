using FrontDoor.Core.Protocol;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>The reserve of descriptors kept for the runtime, on real descriptors of this process (Linux).</summary>
public class DescriptorReserveTests
{
    [Fact]
    public void It_holds_its_descriptors_on_dev_null_gives_them_back_and_takes_them_again()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var reserve = new DescriptorReserve();
        Assert.True(reserve.TryTake());
        Assert.False(reserve.Released);
        var held = reserve.Descriptors();
        Assert.Equal(DescriptorReserve.Size, held.Distinct().Count());
        Assert.All(held, d => Assert.Equal("/dev/null", new FileInfo($"/proc/self/fd/{d}").LinkTarget));

        reserve.Release();
        Assert.True(reserve.Released);
        Assert.Empty(reserve.Descriptors());

        Assert.True(reserve.TryTake());
        Assert.False(reserve.Released);
        var again = reserve.Descriptors();
        Assert.Equal(DescriptorReserve.Size, again.Distinct().Count());

        // Held already: a second take opens nothing more.
        Assert.True(reserve.TryTake());
        Assert.Equal(again, reserve.Descriptors());
        reserve.Release();
    }
}
