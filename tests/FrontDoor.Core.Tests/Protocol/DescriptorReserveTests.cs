using FrontDoor.Core.Protocol;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>The descriptors kept for the runtime, on real descriptors of this process (Linux).</summary>
public class DescriptorReserveTests
{
    [Fact]
    public void It_holds_its_descriptors_on_dev_null_gives_them_back_when_exhausted_and_takes_them_again_to_resume()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var reserve = new DescriptorReserve();
        Assert.True(reserve.TryTake());
        Assert.False(reserve.Paused);
        var held = reserve.Descriptors();
        Assert.Equal(DescriptorReserve.Size, held.Distinct().Count());
        Assert.All(held, d => Assert.Equal("/dev/null", new FileInfo($"/proc/self/fd/{d}").LinkTarget));

        reserve.OnExhausted();
        Assert.True(reserve.Paused);
        Assert.Empty(reserve.Descriptors());

        // This process is far from its limit: room again, and the reserve is taken back.
        Assert.True(reserve.TryResume());
        Assert.False(reserve.Paused);
        var again = reserve.Descriptors();
        Assert.Equal(DescriptorReserve.Size, again.Distinct().Count());

        // Held already: a second take opens nothing more.
        Assert.True(reserve.TryTake());
        Assert.Equal(again, reserve.Descriptors());
        reserve.OnExhausted();
    }

    [Fact]
    public void A_descriptor_near_the_soft_limit_pauses_and_one_far_below_does_not()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var limit = int.Parse(File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], System.Globalization.CultureInfo.InvariantCulture);
        var reserve = new DescriptorReserve();

        Assert.False(reserve.AcceptedNearLimit(limit - DescriptorReserve.AcceptHeadroom - 1));
        Assert.False(reserve.ConnectNearLimit(limit - DescriptorReserve.ConnectHeadroom - 1));
        Assert.False(reserve.Paused);

        // A backend socket may go nearer than an accept: logins of clients already in use the rest.
        Assert.False(reserve.ConnectNearLimit(limit - DescriptorReserve.AcceptHeadroom));
        Assert.True(reserve.AcceptedNearLimit(limit - DescriptorReserve.AcceptHeadroom));
        Assert.True(reserve.Paused);
        Assert.True(reserve.ConnectNearLimit(limit - DescriptorReserve.ConnectHeadroom));
    }
}
