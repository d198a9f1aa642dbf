using System.IO.Pipelines;
using FrontDoor.Core.Protocol;
using FrontDoor.Core.Sessions;
using FrontDoor.Core.Tests.Protocol;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>The pre-auth reader over hostile input: it always ends (a command, a BAD, a BYE or the end), never throws, never hangs.</summary>
public class PreAuthProperties
{
    private static readonly SessionLimits Limits = new() { MaxCommandLineLength = 1024, MaxPreAuthLiteral = 1024 };

    private static bool ReadsToTheEnd(byte[] input)
    {
        var toReader = new Pipe();
        var toClient = new Pipe();
        toReader.Writer.WriteAsync(input).AsTask().GetAwaiter().GetResult();
        toReader.Writer.Complete();
        var reader = PreAuthReader.Rent(toReader.Reader, new SerializedWriter(toClient.Writer), Limits);
        for (var commands = 0; commands <= input.Length + 1; commands++)
        {
            var read = reader.ReadCommandAsync(CancellationToken.None).AsTask();
            if (!read.Wait(TimeSpan.FromSeconds(5)))
            {
                return false;
            }

            if (read.Result.Kind is PreAuthReadKind.Closed or PreAuthReadKind.Bye)
            {
                return true;
            }

            // A command or a BAD: the reader goes on with the rest of the input.
            if (read.Result.Kind == PreAuthReadKind.Command)
            {
                Assert.NotNull(read.Result.Command);
            }
        }

        return false;
    }

    [Fact]
    public async Task A_reader_given_back_in_the_middle_of_a_command_reads_the_next_session_from_scratch()
    {
        // The first session leaves a command half read (a literal announced, not sent) when its reader goes back.
        var first = new Pipe();
        await first.Writer.WriteAsync("a1 LOGIN user {8+}\r\nsec"u8.ToArray());
        var reader = PreAuthReader.Rent(first.Reader, new SerializedWriter(new Pipe().Writer), Limits);
        var pending = reader.ReadCommandAsync(CancellationToken.None);
        Assert.False(pending.IsCompleted);
        first.Writer.Complete();
        Assert.Equal(PreAuthReadKind.Closed, (await pending).Kind);
        reader.Return();

        var second = new Pipe();
        await second.Writer.WriteAsync("b1 NOOP\r\n"u8.ToArray());
        var next = PreAuthReader.Rent(second.Reader, new SerializedWriter(new Pipe().Writer), Limits);
        var read = await next.ReadCommandAsync(CancellationToken.None);

        Assert.Equal(PreAuthReadKind.Command, read.Kind);
        Assert.Equal("b1", read.Command!.Tag);
        Assert.Equal("NOOP", read.Command.Name);
        Assert.Empty(read.Command.Arguments);
    }

    [Fact]
    public void Every_hostile_stream_is_read_to_an_end()
    {
        Prop.ForAll(ImapStreams.Stream.ToArbitrary(), ReadsToTheEnd).Check(Config.QuickThrowOnFailure.WithMaxTest(1000));
    }
}
