using System.IO.Pipelines;
using System.Text;
using FrontDoor.Core.Protocol;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>A flush cancelled from elsewhere (a pending CancelPendingFlush) still gets the last words out.</summary>
public class PipeWriterExtensionsTests
{
    [Fact]
    public async Task A_lingering_cancellation_does_not_keep_the_bytes_from_the_stream()
    {
        var stream = new MemoryStream();
        var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        writer.CancelPendingFlush();
        writer.WriteAscii("* BYE Autologout; idle for too long\r\n");

        // The plain flush is the one the cancellation lands on: nothing is written.
        var plain = PipeWriter.Create(new MemoryStream(), new StreamPipeWriterOptions(leaveOpen: true));
        plain.CancelPendingFlush();
        plain.WriteAscii("x");
        Assert.True((await plain.FlushAsync()).IsCanceled);

        var result = await writer.FlushSurelyAsync(CancellationToken.None);
        Assert.False(result.IsCanceled);
        Assert.Equal("* BYE Autologout; idle for too long\r\n", Encoding.ASCII.GetString(stream.ToArray()));
    }
}
