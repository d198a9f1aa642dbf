using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>Properties of the framer over hostile, IMAP-shaped input split into reads anywhere.</summary>
public class FramerProperties
{
    private static byte[][] Split(byte[] input, int[] cuts)
    {
        var points = cuts.Where(c => c > 0 && c < input.Length).Distinct().Order().ToList();
        var chunks = new List<byte[]>();
        var start = 0;
        foreach (var point in points)
        {
            chunks.Add(input[start..point]);
            start = point;
        }

        chunks.Add(input[start..]);
        return [.. chunks];
    }

    [Fact]
    public void However_a_stream_is_split_the_frames_are_the_same_and_nothing_throws()
    {
        Prop.ForAll(ImapStreams.SplitStream, sample =>
        {
            var whole = FramerHarness.Run([sample.Input], maxLineLength: 64);
            var split = FramerHarness.Run(Split(sample.Input, sample.Cuts), maxLineLength: 64);
            return (whole == split).Label($"input={Convert.ToBase64String(sample.Input)} cuts={string.Join(',', sample.Cuts)} whole={whole} split={split}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000));
    }

    [Fact]
    public void Byte_by_byte_gives_the_same_frames_as_one_read()
    {
        Prop.ForAll(ImapStreams.Stream.ToArbitrary(), input =>
            FramerHarness.Run([input]) == FramerHarness.Run(input.Select(b => new[] { b }).ToArray()))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(1000));
    }
}
