using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Text;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Sessions;

internal enum PreAuthReadKind
{
    Command,

    /// <summary>The command cannot be run; answer BAD with the tag (or "*") and go on.</summary>
    Bad,

    /// <summary>The stream cannot be followed any further; say BYE and close.</summary>
    Bye,

    Closed,
}

internal readonly record struct PreAuthRead(PreAuthReadKind Kind, PreAuthCommand? Command, string Tag, string Text);

/// <summary>
/// Reads whole commands before login, literals included: FrontDoor itself answers a synchronizing
/// literal with "+", and takes a non-synchronizing one as it comes (Outlook sends ID and LOGIN that way).
/// Everything here is small and bounded, so it is kept as bytes and strings.
/// </summary>
internal sealed class PreAuthReader
{
    private const int MaxPooled = 256;

    // Readers of sessions past pre-auth, emptied, for the next sessions: a reader and its argument list were
    // garbage at every login (bench/README.md, garbage per login).
    private static readonly ConcurrentQueue<PreAuthReader> Pool = new();
    private static int _pooled;

    private PipeReader _input;
    private SerializedWriter _output;
    private ImapFramer _framer;

    // The commands a client sends before login (ClientSession answers them), most often first.
    private static readonly string[] KnownNames = ["LOGIN", "CAPABILITY", "AUTHENTICATE", "ID", "NOOP", "LOGOUT", "STARTTLS"];

    // Clients number their tags the same way in every session ("a1", "A001", "1"), so a tag's string is
    // most often the one an earlier session made; a tag not seen before costs its cache entry.
    private static readonly BytesCache<string> Tags = new(256, 16, static tag => Encoding.ASCII.GetString(tag));

    // The command being assembled.
    private readonly List<ImapArgument> _arguments = [];
    // Its tag and name are set as the command's first line is read, so a refusal has the tag too.
    private readonly PreAuthCommand _command;
    private bool _malformed;
    private byte[]? _literal;
    private int _literalFilled;
    private long _commandBytes;

    private SessionLimits _limits;

    private PreAuthReader(PipeReader input, SerializedWriter output, SessionLimits limits)
    {
        _input = input;
        _output = output;
        _limits = limits;
        _framer = new ImapFramer(limits.MaxCommandLineLength);
        _command = new PreAuthCommand(_arguments);
    }

    /// <summary>A reader for a session's pre-auth phase: a pooled one when there is one.</summary>
    public static PreAuthReader Rent(PipeReader input, SerializedWriter output, SessionLimits limits)
    {
        if (!Pool.TryDequeue(out var reader))
        {
            return new PreAuthReader(input, output, limits);
        }

        Interlocked.Decrement(ref _pooled);
        reader._input = input;
        reader._output = output;
        reader._limits = limits;
        reader._framer = new ImapFramer(limits.MaxCommandLineLength);
        return reader;
    }

    /// <summary>
    /// Gives the reader back when its session's pre-auth phase is over and no read is running. It keeps
    /// nothing of the session: its last command's arguments (a LOGIN's password among them) are let go.
    /// </summary>
    public void Return()
    {
        Reset();
        _outcome = default;
        _lineTooLong = false;
        LineTooLong = false;
        _input = null!;
        _output = null!;
        if (Interlocked.Increment(ref _pooled) <= MaxPooled)
        {
            Pool.Enqueue(this);
            return;
        }

        Interlocked.Decrement(ref _pooled);
    }

    private enum Step
    {
        NeedMore,
        SendContinuation,
        Done,
    }

    // What the examiners leave for the loop that called them (the read loop hands back one value).
    private PreAuthRead _outcome;
    private bool _lineTooLong;

    private static readonly BufferExaminer<PreAuthReader, Step> ExamineCommand =
        static (PreAuthReader reader, in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out bool needMore) =>
        {
            var step = reader.Process(buffer, out consumed, out reader._outcome);
            needMore = step == Step.NeedMore;
            return step;
        };

    private static readonly BufferExaminer<PreAuthReader, byte[]?> ExamineLine =
        static (PreAuthReader reader, in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out bool needMore) =>
        {
            var line = reader.TryReadLine(buffer, out consumed, out reader._lineTooLong);
            needMore = line is null;
            return line;
        };

    // Pooled: a command that waits for its bytes otherwise boxes a state machine per read (bench/README.md, garbage per login).
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<PreAuthRead> ReadCommandAsync(CancellationToken cancellationToken)
    {
        Reset();
        while (true)
        {
            var read = await _input.ReadStepAsync(this, ExamineCommand, cancellationToken).ConfigureAwait(false);
            switch (read.Step)
            {
                case Step.Done:
                    // Not kept: a LOGIN's arguments hold the password.
                    var outcome = _outcome;
                    _outcome = default;
                    return outcome;
                case Step.SendContinuation:
                    using (var lease = await _output.AcquireAsync(cancellationToken).ConfigureAwait(false))
                    {
                        lease.Writer.Write("+ Ready for literal data\r\n"u8);
                        await lease.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }

                    break;
                default:
                    if (read.IsCompleted)
                    {
                        return new PreAuthRead(PreAuthReadKind.Closed, null, _command.Tag, string.Empty);
                    }

                    break;
            }
        }
    }

    /// <summary>After <see cref="ReadLineAsync"/> gave null: the line was longer than maxCommandLine (else the client closed).</summary>
    public bool LineTooLong { get; private set; }

    /// <summary>Reads one line, e.g. a SASL response; null when the client closed or the line is too long to follow.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<byte[]?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await _input.ReadStepAsync(this, ExamineLine, cancellationToken).ConfigureAwait(false);
            if (read.Step is { } line)
            {
                return line;
            }

            if (_lineTooLong || read.IsCompleted)
            {
                LineTooLong = _lineTooLong;
                return null;
            }
        }
    }

    private byte[]? TryReadLine(in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out bool tooLong)
    {
        var reader = new SequenceReader<byte>(buffer);
        var kind = _framer.Read(ref reader, out var frame);
        consumed = reader.Position;
        tooLong = kind is FrameKind.LineTooLong;
        if (kind != FrameKind.Line)
        {
            return null;
        }

        // A SASL response is one line; a brace at its end is text, not a literal.
        _framer.CancelLiteral();
        return frame.Content.ToArray();
    }

    private void Reset()
    {
        _arguments.Clear();
        _command.Set("*", string.Empty);
        _malformed = false;
        _literal = null;
        _literalFilled = 0;
        _commandBytes = 0;
    }

    private Step Process(in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out PreAuthRead outcome)
    {
        var reader = new SequenceReader<byte>(buffer);
        outcome = default;
        while (true)
        {
            var kind = _framer.Read(ref reader, out var frame);
            consumed = reader.Position;
            switch (kind)
            {
                case FrameKind.NeedMore:
                    return Step.NeedMore;
                case FrameKind.LineTooLong:
                    outcome = Bye("[TOOBIG] Command line too long");
                    return Step.Done;
                case FrameKind.LiteralTooBig:
                    outcome = Bye("[TOOBIG] Literal size is impossible");
                    return Step.Done;
                case FrameKind.LiteralData:
                    frame.Content.CopyTo(_literal!.AsSpan(_literalFilled));
                    _literalFilled += (int)frame.Content.Length;
                    if (frame.EndsLiteral)
                    {
                        _arguments.Add(new ImapArgument(ArgumentKind.String, _literal!));
                    }

                    continue;
                default:
                    var step = OnLine(frame, out outcome);
                    if (step != Step.NeedMore)
                    {
                        return step;
                    }

                    continue;
            }
        }
    }

    private Step OnLine(in Frame frame, out PreAuthRead outcome)
    {
        // The line is read where it lies when it is in one buffer segment (nearly always); the arguments
        // copy what they keep. A line split between segments is copied to a rented buffer first.
        if (frame.Content.IsSingleSegment)
        {
            return OnLine(frame, frame.Content.FirstSpan, out outcome);
        }

        var length = (int)frame.Content.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            frame.Content.CopyTo(rented);
            return OnLine(frame, rented.AsSpan(0, length), out outcome);
        }
        finally
        {
            // It held a LOGIN's password: cleared before another user of the pool gets it.
            ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
    }

    private Step OnLine(in Frame frame, ReadOnlySpan<byte> content, out PreAuthRead outcome)
    {
        outcome = default;
        _commandBytes += content.Length;
        var literal = frame.Literal;
        var text = literal is { } header ? content[..header.Start] : content;
        if (frame.StartsMessage)
        {
            var tag = ImapSyntax.NextWord(text, out var rest);
            var name = ImapSyntax.NextWord(rest, out rest);
            _command.Set(ImapSyntax.IsValidTag(tag) ? Tags.Get(tag) : "*", NameOf(name));
            _malformed = _command.Tag == "*" || name.IsEmpty;
            text = rest;
        }

        _malformed |= !ArgumentTokenizer.TryTokenize(text, _arguments);

        if (literal is not { } announced)
        {
            outcome = _malformed
                ? new PreAuthRead(PreAuthReadKind.Bad, null, _command.Tag, _command.Tag == "*" ? "Invalid tag" : "Invalid command syntax")
                : new PreAuthRead(PreAuthReadKind.Command, _command, _command.Tag, string.Empty);
            return Step.Done;
        }

        _commandBytes += announced.Length;
        if (announced.Length > _limits.MaxPreAuthLiteral || _commandBytes > 2L * _limits.MaxPreAuthLiteral)
        {
            if (announced.NonSynchronizing)
            {
                // The octets are on their way and cannot be told apart from commands: close (RFC 7888 section 4).
                outcome = Bye("[TOOBIG] Literal too large before login");
                return Step.Done;
            }

            _framer.CancelLiteral();
            outcome = new PreAuthRead(PreAuthReadKind.Bad, null, _command.Tag, "[TOOBIG] Literal too large before login");
            return Step.Done;
        }

        _literal = new byte[announced.Length];
        _literalFilled = 0;
        if (announced.Length == 0)
        {
            _arguments.Add(new ImapArgument(ArgumentKind.String, []));
        }

        return announced.NonSynchronizing ? Step.NeedMore : Step.SendContinuation;
    }

    private PreAuthRead Bye(string text) => new(PreAuthReadKind.Bye, null, _command.Tag, text);

    /// <summary>The command's name in upper case; the names answered before login are strings made once, not one per command.</summary>
    private static string NameOf(ReadOnlySpan<byte> name)
    {
        foreach (var known in KnownNames)
        {
            if (ImapSyntax.EqualsIgnoreCase(name, known))
            {
                return known;
            }
        }

        return Encoding.ASCII.GetString(name).ToUpperInvariant();
    }
}
