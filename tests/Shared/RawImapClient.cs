using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FrontDoor.Testing;

/// <summary>
/// One end of an IMAP connection that writes exact bytes and reads exact lines: the raw client of wire tests,
/// and the server side of <see cref="ScriptedBackend"/>. Everything read is also recorded. It runs over a TCP
/// connection or over one end of an in-memory pair (<see cref="DuplexPipeStream"/>).
/// </summary>
internal sealed class RawImapClient : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(15);

    // The connection's own octets, under any compression; and what the client reads and writes through.
    private readonly Stream _transport;
    private readonly IDisposable _owner;
    private Stream _stream;
    private readonly List<byte> _buffer = [];

    private readonly MemoryStream _received = new();

    public RawImapClient(TcpClient tcp)
        : this(tcp.GetStream(), tcp)
    {
    }

    /// <summary>Over one end of an in-memory pair.</summary>
    public RawImapClient(DuplexPipeStream stream)
        : this(stream, stream)
    {
    }

    private RawImapClient(Stream transport, IDisposable owner)
    {
        _transport = transport;
        _owner = owner;
        _stream = transport;
    }

    public static async Task<RawImapClient> ConnectAsync(IPEndPoint endpoint)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(endpoint);
        return new RawImapClient(tcp);
    }

    /// <summary>Every octet read so far, in order, as Latin-1 text.</summary>
    public string Received
    {
        get
        {
            lock (_received)
            {
                return Encoding.Latin1.GetString(_received.ToArray());
            }
        }
    }

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Writes octets to the socket itself, under any compression: a hostile peer's own bytes.</summary>
    public async Task SendRawAsync(byte[] bytes) => await _transport.WriteAsync(bytes);

    /// <summary>A half-close: the peer reads what was sent, then the end; this end still reads.</summary>
    public void ShutdownSend()
    {
        if (_owner is TcpClient tcp)
        {
            tcp.Client.Shutdown(SocketShutdown.Send);
        }
        else
        {
            ((DuplexPipeStream)_transport).ShutdownSend();
        }
    }

    /// <summary>Reads one line without its CRLF; null when the server closed.</summary>
    public async Task<string?> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        while (true)
        {
            var newline = _buffer.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Encoding.Latin1.GetString([.. _buffer.GetRange(0, newline)]).TrimEnd('\r');
                _buffer.RemoveRange(0, newline + 1);
                return line;
            }

            if (!await FillAsync(timeout.Token))
            {
                return null;
            }
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> octets (a literal).</summary>
    public async Task<byte[]> ReadBytesAsync(int count)
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        while (_buffer.Count < count)
        {
            if (!await FillAsync(timeout.Token))
            {
                throw new EndOfStreamException($"closed after {_buffer.Count} of {count} octets");
            }
        }

        var result = _buffer.GetRange(0, count).ToArray();
        _buffer.RemoveRange(0, count);
        return result;
    }

    /// <summary>Reads lines until one starts with <paramref name="prefix"/>; returns every line read.</summary>
    public async Task<List<string>> ReadUntilAsync(string prefix)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new EndOfStreamException("closed before: " + prefix + "\n" + string.Join("\n", lines));
            lines.Add(line);
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return lines;
            }
        }
    }

    /// <summary>True when the server closed the connection (after any lines still buffered).</summary>
    public async Task<bool> IsClosedAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        while (true)
        {
            if (_buffer.Count > 0)
            {
                _buffer.Clear();
            }

            if (!await FillAsync(timeout.Token))
            {
                return true;
            }
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        var chunk = new byte[65536];
        int read;
        try
        {
            read = await _stream.ReadAsync(chunk, cancellationToken);
        }
        catch (IOException)
        {
            return false;
        }

        if (read == 0)
        {
            return false;
        }

        _buffer.AddRange(chunk.AsSpan(0, read).ToArray());
        lock (_received)
        {
            _received.Write(chunk, 0, read);
        }

        return true;
    }

    /// <summary>
    /// RFC 4978: after the server's COMPRESS OK, both ways are raw DEFLATE from the next octet. With
    /// <paramref name="oneOctetPerWrite"/>, each compressed octet goes out in its own socket write.
    /// </summary>
    public void StartCompression(bool oneOctetPerWrite = false)
    {
        if (_buffer.Count > 0)
        {
            throw new InvalidOperationException("octets after the COMPRESS OK were read as plain text");
        }

        _stream = new DeflateDuplex(_transport, oneOctetPerWrite);
    }

    public ValueTask DisposeAsync()
    {
        _owner.Dispose();
        _received.Dispose();
        return ValueTask.CompletedTask;
    }
}
