using System.Text;

namespace FrontDoor.Bench;

/// <summary>
/// Lines from a connection, for the few lines of a greeting and a login: over a socket (scenarios 4 and 7)
/// or one end of an in-memory pair (scenario 10). Held only while a connection is being opened.
/// </summary>
internal sealed class LineReader(Func<Memory<byte>, CancellationToken, ValueTask<int>> receive)
{
    private readonly byte[] _buffer = new byte[2048];
    private int _start;
    private int _end;

    /// <summary>Whether octets after the last line read are already here (nothing should be, on an idle connection).</summary>
    public bool HasUnread => _end > _start;

    public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, newline).TrimEnd('\r');
                _start += newline + 1;
                return line;
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                throw new BenchException("line too long");
            }

            var received = await receive(_buffer.AsMemory(_end), cancellationToken);
            if (received == 0)
            {
                throw new BenchException("the proxy closed the connection");
            }

            _end += received;
        }
    }
}
