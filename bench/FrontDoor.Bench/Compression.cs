using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FrontDoor.Bench;

/// <summary>One way of running FrontDoor's COMPRESS=DEFLATE: the listener's attributes, and whether the client compresses.</summary>
internal sealed record CompressVariant(string Name, string ListenerAttributes, bool Compress)
{
    public override string ToString() => Name;
}

internal sealed record CompressFetchSample(int Fetches, long PlainBytes, long WireBytes, double FrontDoorCpuSeconds, double Seconds)
{
    public double CpuMsPerMiB => FrontDoorCpuSeconds * 1000 / (PlainBytes / (1024.0 * 1024));
}

/// <summary>
/// Scenario 6 (<c>--only compress</c>): RFC 4978 COMPRESS=DEFLATE ended at FrontDoor. A FETCH of 200 text
/// messages with and without COMPRESS (octets on the client's wire, FrontDoor's CPU per MiB relayed), and the
/// memory of idle compressed sessions, for zlib's default window and memory level and smaller ones.
/// </summary>
internal static class CompressionBench
{
    public const string Mailbox = "bench-compress";
    public const int Messages = 200;

    public static readonly CompressVariant[] Variants =
    [
        new("plain (compress=\"false\")", "compress=\"false\"", false),
        new("plain (COMPRESS offered, not used)", string.Empty, false),
        new("COMPRESS 15/8 (zlib default), compressor kept", "compressWindowBits=\"15\" compressMemLevel=\"8\" compressDictionary=\"session\"", true),
        new("COMPRESS 12/5, compressor kept", "compressWindowBits=\"12\" compressMemLevel=\"5\" compressDictionary=\"session\"", true),
        new("COMPRESS 10/3, compressor kept", "compressWindowBits=\"10\" compressMemLevel=\"3\" compressDictionary=\"session\"", true),
        new("COMPRESS 15/8, compressor freed at each flush", "compressWindowBits=\"15\" compressMemLevel=\"8\" compressDictionary=\"flush\"", true),
        new("COMPRESS 12/5, compressor freed at each flush", "compressWindowBits=\"12\" compressMemLevel=\"5\" compressDictionary=\"flush\"", true),
    ];

    /// <summary>200 text messages of about 24 KiB (words from a fixed vocabulary, as mail text compresses), once.</summary>
    public static void Prepare(BenchContext context)
    {
        using var client = ImapClient.ConnectAndLogin(context.Dovecot.Endpoint, BenchContext.User, BenchContext.Password);
        client.Send($"c CREATE {Mailbox}\r\n");
        client.ReadTagged("c", requireOk: false);
        var exists = 0;
        client.Run("s", $"SELECT {Mailbox}", line =>
        {
            var parts = line.Split(' ');
            if (parts.Length >= 3 && parts[2] == "EXISTS")
            {
                exists = int.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        });
        for (var i = exists; i < Messages; i++)
        {
            var message = TextMessage(i, context.Settings.Smoke ? 4 * 1024 : 24 * 1024);
            client.Send($"a APPEND {Mailbox} {{{message.Length}+}}\r\n");
            client.Send(message);
            client.Send("\r\n"u8);
            client.ReadTagged("a", requireOk: true);
        }
    }

    private static byte[] TextMessage(int seed, int size)
    {
        var random = new Random(seed);
        string[] words = [.. Enumerable.Range(0, 2000).Select(i => Word(new Random(i)))];
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"From: Sender {seed % 17} <sender{seed % 17}@example.com>\r\n")
            .Append("To: Bench <bench@example.com>\r\n")
            .Append(CultureInfo.InvariantCulture, $"Subject: Report number {seed} on the {words[seed % words.Length]} project\r\n")
            .Append(CultureInfo.InvariantCulture, $"Message-ID: <{seed}.bench@example.com>\r\n")
            .Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        var line = 0;
        while (text.Length < size)
        {
            // Zipf-like: common words often, rare words seldom, as in prose.
            var word = words[(int)(words.Length * Math.Pow(random.NextDouble(), 3))];
            text.Append(word);
            line += word.Length + 1;
            if (line > 70)
            {
                text.Append("\r\n");
                line = 0;
            }
            else
            {
                text.Append(' ');
            }
        }

        return Encoding.ASCII.GetBytes(text.Append("\r\n").ToString());
    }

    private static string Word(Random random)
    {
        const string consonants = "bcdfghklmnprstvw";
        const string vowels = "aeiou";
        var length = 1 + random.Next(3);
        var word = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            word.Append(consonants[random.Next(consonants.Length)]).Append(vowels[random.Next(vowels.Length)]);
        }

        return word.ToString();
    }

    /// <summary>FETCH 1:200 BODY.PEEK[] <paramref name="fetches"/> times on one session.</summary>
    public static CompressFetchSample Fetch(FrontDoorProcess frontDoor, bool compress, int fetches)
    {
        using var session = CompressingClient.Open(frontDoor.Endpoint, compress);
        session.Run($"SELECT {Mailbox}");
        var cpuBefore = Os.CpuSeconds(frontDoor.Pid);
        var wireBefore = session.WireBytesRead;
        var plainBefore = session.PlainBytesRead;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < fetches; i++)
        {
            session.Run($"FETCH 1:{Messages} BODY.PEEK[]");
        }

        var seconds = clock.Elapsed.TotalSeconds;
        return new CompressFetchSample(fetches, session.PlainBytesRead - plainBefore, session.WireBytesRead - wireBefore, Os.CpuSeconds(frontDoor.Pid) - cpuBefore, seconds);
    }

    /// <summary>RSS per idle session: each logged in, (compressed,) a FETCH of 20 messages done (so zlib's state is all touched), then silent.</summary>
    public static double IdleBytesPerSession(Func<FrontDoorProcess> start, bool compress, int sessions, int settleMs)
    {
        using var frontDoor = start();
        foreach (var warm in Open(frontDoor.Endpoint, compress, 20))
        {
            warm.Dispose();
        }

        Thread.Sleep(settleMs);
        var before = frontDoor.Rss();
        var open = Open(frontDoor.Endpoint, compress, sessions);
        try
        {
            Thread.Sleep(settleMs);
            return (double)(frontDoor.Rss() - before) / sessions;
        }
        finally
        {
            open.ForEach(s => s.Dispose());
        }
    }

    private static List<CompressingClient> Open(IPEndPoint endpoint, bool compress, int count)
    {
        var open = new List<CompressingClient>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var session = CompressingClient.Open(endpoint, compress);
                open.Add(session);
                session.Run($"SELECT {Mailbox}");
                session.Run($"FETCH 1:20 BODY.PEEK[]");
            }
        }
        catch
        {
            open.ForEach(s => s.Dispose());
            throw;
        }

        return open;
    }
}

/// <summary>A bench client that may compress (System.IO.Compression on its side) and counts octets both sides of it.</summary>
internal sealed class CompressingClient : IDisposable
{
    private readonly Socket _socket;
    private readonly CountingStream _wire;
    private Stream _reader;
    private Stream _writer;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private int _tag;

    private CompressingClient(Socket socket)
    {
        _socket = socket;
        _wire = new CountingStream(new NetworkStream(socket, ownsSocket: true));
        _reader = _wire;
        _writer = _wire;
    }

    public long WireBytesRead => _wire.BytesRead;

    public long PlainBytesRead { get; private set; }

    public static CompressingClient Open(IPEndPoint endpoint, bool compress)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 120_000 };
        socket.Connect(endpoint);
        var client = new CompressingClient(socket);
        try
        {
            client.ReadLine();
            client.Run($"LOGIN \"{BenchContext.User}\" \"{BenchContext.Password}\"");
            if (compress)
            {
                client.Run("COMPRESS DEFLATE");
                if (client._start != client._end)
                {
                    throw new BenchException("octets after the COMPRESS OK were read as plain text");
                }

                client._reader = new DeflateStream(client._wire, CompressionMode.Decompress, leaveOpen: true);
                client._writer = new DeflateStream(client._wire, CompressionLevel.Fastest, leaveOpen: true);
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Sends a command and reads to its tagged OK, skipping literals.</summary>
    public void Run(string command)
    {
        var tag = $"b{++_tag}";
        _writer.Write(Encoding.ASCII.GetBytes($"{tag} {command}\r\n"));
        _writer.Flush();
        while (true)
        {
            var line = ReadLine();
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                if (!line.StartsWith(tag + " OK", StringComparison.Ordinal))
                {
                    throw new BenchException($"{command}: {line}");
                }

                return;
            }

            var literal = ImapClient.LiteralSize(Encoding.ASCII.GetBytes(line));
            for (var remaining = literal; remaining > 0;)
            {
                if (_start == _end)
                {
                    Fill();
                }

                var take = (int)Math.Min(remaining, _end - _start);
                _start += take;
                remaining -= take;
            }
        }
    }

    private string ReadLine()
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

            Fill();
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

        var read = _reader.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            throw new BenchException("the proxy closed the connection");
        }

        PlainBytesRead += read;
        _end += read;
    }

    public void Dispose()
    {
        _socket.Close(0);
        _wire.Dispose();
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
