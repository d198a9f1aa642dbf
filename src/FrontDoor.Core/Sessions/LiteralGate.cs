using System.Text;

namespace FrontDoor.Core.Sessions;

internal enum GateOutcome
{
    /// <summary>The backend answered <c>+</c>: the literal's octets may go.</summary>
    Continue,

    /// <summary>The backend completed the command (NO/BAD) before <c>+</c>: the octets must not go.</summary>
    Refused,
}

/// <summary>
/// Where the client-to-backend pump waits for the backend's verdict on a synchronizing literal it sent
/// (docs/PROTOCOL.md, rules 2-4 and 6). The pumps are sequential, so at most one literal waits at a time.
/// It locks itself rather than a lock object of its own (40 B per session): only its relay's two pumps
/// hold it.
/// </summary>
internal sealed class LiteralGate
{
    // Made at the first synchronizing literal: most sessions never send one (bench/README.md, garbage per login).
    private byte[]? _tag;
    private int _tagLength;
    private bool _armed;
    private bool _relayContinuation;
    private TaskCompletionSource<GateOutcome>? _waiter;

    /// <summary>
    /// Arms the gate for the command <paramref name="tag"/>; call before the line is flushed so the answer
    /// cannot overtake it. <paramref name="relayContinuation"/>: the client asked for the <c>+</c> itself.
    /// </summary>
    public Task<GateOutcome> Arm(ReadOnlySpan<byte> tag, bool relayContinuation)
    {
        lock (this)
        {
            if (_tag is null || _tag.Length < tag.Length)
            {
                _tag = new byte[Math.Max(32, tag.Length)];
            }

            tag.CopyTo(_tag);
            _tagLength = tag.Length;
            _relayContinuation = relayContinuation;
            _armed = true;
            _waiter = new TaskCompletionSource<GateOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task;
        }
    }

    /// <summary>
    /// Called by the backend pump for a <c>+</c> line. Returns whether the line goes to the client: a
    /// continuation the client did not ask for is swallowed.
    /// </summary>
    public bool OnContinuation()
    {
        lock (this)
        {
            if (!_armed)
            {
                return true;
            }

            _armed = false;
            var relay = _relayContinuation;
            _waiter!.TrySetResult(GateOutcome.Continue);
            return relay;
        }
    }

    /// <summary>Called by the backend pump for every tagged completion; it is always relayed.</summary>
    public void OnTaggedCompletion(ReadOnlySpan<byte> tag)
    {
        // Every tagged line comes here, and almost none finds the gate armed. The unlocked look cannot miss an
        // arming for this command: the client pump arms before it sends the command, and this pump reads the
        // answer only after the backend received it, so the arming happened before this read.
        if (!Volatile.Read(ref _armed))
        {
            return;
        }

        lock (this)
        {
            if (_armed && tag.SequenceEqual(_tag.AsSpan(0, _tagLength)))
            {
                _armed = false;
                _waiter!.TrySetResult(GateOutcome.Refused);
            }
        }
    }

    /// <summary>The tag the gate waits on, for logs.</summary>
    public string WaitingTag
    {
        get
        {
            lock (this)
            {
                return _armed ? Encoding.ASCII.GetString(_tag!, 0, _tagLength) : string.Empty;
            }
        }
    }

    public void Disarm()
    {
        lock (this)
        {
            _armed = false;
        }
    }
}
