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
        var reader = new PreAuthReader(toReader.Reader, new SerializedWriter(toClient.Writer), Limits);
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
    public void Every_hostile_stream_is_read_to_an_end()
    {
        Prop.ForAll(ImapStreams.Stream.ToArbitrary(), ReadsToTheEnd).Check(Config.QuickThrowOnFailure.WithMaxTest(1000));
    }
}
