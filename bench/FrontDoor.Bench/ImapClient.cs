using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FrontDoor.Bench;

/// <summary>
/// A raw, blocking IMAP client with exact control over what goes on the wire. The hot paths (reading a
/// line, waiting for a tagged answer, skipping a literal) allocate nothing, so the client does not add
/// GC noise to latency figures or to allocation counts of an in-process FrontDoor.
/// </summary>
internal sealed class ImapClient : IDisposable
{
    private readonly byte[] _buffer;
    private int _start;
    private int _end;

    private ImapClient(Socket socket, int bufferSize)
    {
        Socket = socket;
        _buffer = new byte[bufferSize];
    }

    public Socket Socket { get; }

    public string Greeting { get; private set; } = string.Empty;

    /// <summary>True when everything received has been consumed.</summary>
    public bool Drained => _start == _end;

    public static ImapClient Connect(IPEndPoint endpoint, int bufferSize = 256 * 1024, int timeoutMs = 120_000)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = timeoutMs,
            SendTimeout = timeoutMs,
        };
        try
        {
            socket.Connect(endpoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new ImapClient(socket, bufferSize);
        var greeting = client.ReadLineString();
        if (!greeting.StartsWith("* OK", StringComparison.Ordinal))
        {
            client.Dispose();
            throw new BenchException($"{endpoint}: unexpected greeting '{greeting}'");
        }

        client.Greeting = greeting;
        return client;
    }

    public static ImapClient ConnectAndLogin(IPEndPoint endpoint, string user, string password, int bufferSize = 256 * 1024)
    {
        var client = Connect(endpoint, bufferSize);
        try
        {
            client.Run("l", $"LOGIN \"{user}\" \"{password}\"");
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public void Send(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var sent = Socket.Send(data);
            data = data[sent..];
        }
    }

    public void Send(string text) => Send(Encoding.ASCII.GetBytes(text));

    /// <summary>Sends "tag command", reads to the tagged answer, throws unless it is OK; returns the tagged line.</summary>
    public string Run(string tag, string command, Action<string>? untagged = null)
    {
        Send($"{tag} {command}\r\n");
        return ReadTagged(tag, requireOk: true, untagged);
    }

    /// <summary>Reads responses (skipping literals) up to the tagged line of <paramref name="tag"/>.</summary>
    public string ReadTagged(string tag, bool requireOk, Action<string>? untagged = null)
    {
        var prefix = Encoding.ASCII.GetBytes(tag + " ");
        while (true)
        {
            var line = ReadLine();
            if (line.StartsWith(prefix))
            {
                var text = Encoding.ASCII.GetString(line);
                if (requireOk && !line[prefix.Length..].StartsWith("OK"u8))
                {
                    throw new BenchException($"'{tag}' failed: {Truncate(text)}");
                }

                return text;
            }

            untagged?.Invoke(Encoding.ASCII.GetString(line));
            SkipLiteralOf(line);
        }
    }

    /// <summary>
    /// Allocation-free: reads lines until one starts with <paramref name="tagSpace"/> ("tag "); literals in
    /// between are skipped. Throws unless the tagged status is OK.
    /// </summary>
    public void ReadTaggedOk(ReadOnlySpan<byte> tagSpace)
    {
        while (true)
        {
            var line = ReadLine();
            if (line.StartsWith(tagSpace))
            {
                if (!line[tagSpace.Length..].StartsWith("OK"u8))
                {
                    throw new BenchException($"tagged answer not OK: {Truncate(Encoding.ASCII.GetString(line))}");
                }

                return;
            }

            SkipLiteralOf(line);
        }
    }

    /// <summary>A line without its CRLF; valid until the next read.</summary>
    public ReadOnlySpan<byte> ReadLine()
    {
        var scanned = 0;
        while (true)
        {
            var index = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (index >= 0)
            {
                var line = _buffer.AsSpan(_start, scanned + index);
                _start += scanned + index + 1;
                return !line.IsEmpty && line[^1] == (byte)'\r' ? line[..^1] : line;
            }

            scanned = _end - _start;
            Fill();
        }
    }

    public string ReadLineString() => Encoding.ASCII.GetString(ReadLine());

    /// <summary>Consumes <paramref name="count"/> octets without looking at them.</summary>
    public void Skip(long count)
    {
        var buffered = Math.Min(count, _end - _start);
        _start += (int)buffered;
        count -= buffered;
        while (count > 0)
        {
            _start = 0;
            _end = Receive(0);
            var used = (int)Math.Min(count, _end);
            _start = used;
            count -= used;
        }
    }

    /// <summary>The size of the literal a line announces at its end, or -1.</summary>
    public static long LiteralSize(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty || line[^1] != (byte)'}')
        {
            return -1;
        }

        var open = line.LastIndexOf((byte)'{');
        if (open < 0)
        {
            return -1;
        }

        var digits = line[(open + 1)..^1];
        if (!digits.IsEmpty && digits[^1] == (byte)'+')
        {
            digits = digits[..^1];
        }

        return Utf8Parser.TryParse(digits, out long size, out var used) && used == digits.Length ? size : -1;
    }

    public void Dispose() => Socket.Dispose();

    /// <summary>Closes with RST: no TIME_WAIT left behind by thousands of benchmark connections.</summary>
    public void Abort()
    {
        try
        {
            Socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Already reset by the peer.
        }

        Socket.Dispose();
    }

    private void SkipLiteralOf(ReadOnlySpan<byte> line)
    {
        var size = LiteralSize(line);
        if (size >= 0)
        {
            Skip(size);
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            throw new BenchException("response line longer than the client buffer");
        }

        _end += Receive(_end);
    }

    private int Receive(int offset)
    {
        var received = Socket.Receive(_buffer, offset, _buffer.Length - offset, SocketFlags.None);
        if (received == 0)
        {
            throw new BenchException("the server closed the connection");
        }

        return received;
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";
}

internal sealed class BenchException : Exception
{
    public BenchException(string message)
        : base(message)
    {
    }

    public BenchException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public BenchException()
    {
    }
}
