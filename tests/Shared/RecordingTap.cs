using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FrontDoor.Testing;

/// <summary>What the tap does with a new connection.</summary>
internal enum TapMode
{
    /// <summary>Forward to the real backend.</summary>
    Forward,

    /// <summary>Accept and close at once: a backend that is down behind a load balancer.</summary>
    CloseAtOnce,

    /// <summary>Accept and never say anything: a hung backend.</summary>
    Silent,
}

/// <summary>
/// A wiretap between FrontDoor and a REAL backend: forwards bytes both ways unchanged and records what
/// FrontDoor sent, so tests can assert on the backend's input stream (what a server's raw log would show).
/// It can also play a FAKE fault no real server shows on demand (<see cref="Mode"/>).
/// </summary>
internal sealed class RecordingTap : IAsyncDisposable
{
    private int _accepted;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly MemoryStream _toBackend = new();
    private readonly List<TcpClient> _sockets = [];
    private readonly Task _accept;

    private RecordingTap(IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accept = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public TapMode Mode { get; set; } = TapMode.Forward;

    /// <summary>Connections accepted so far, whatever was done with them.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    public static RecordingTap Start(string host, int port) => new(new IPEndPoint(IPAddress.Parse(host), port));

    /// <summary>Everything every connection sent towards the backend, as Latin-1 text.</summary>
    public string SentToBackend
    {
        get
        {
            lock (_toBackend)
            {
                return Encoding.Latin1.GetString(_toBackend.ToArray());
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        try
        {
            await _accept;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
        _toBackend.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            Interlocked.Increment(ref _accepted);
            if (Mode == TapMode.CloseAtOnce)
            {
                inbound.Dispose();
                continue;
            }

            if (Mode == TapMode.Silent)
            {
                lock (_sockets)
                {
                    _sockets.Add(inbound);
                }

                continue;
            }

            var outbound = new TcpClient { NoDelay = true };
            await outbound.ConnectAsync(_target, _stop.Token);
            lock (_sockets)
            {
                _sockets.Add(inbound);
                _sockets.Add(outbound);
            }

            _ = PumpAsync(inbound, outbound, record: true);
            _ = PumpAsync(outbound, inbound, record: false);
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, bool record)
    {
        var buffer = new byte[65536];
        try
        {
            var source = from.GetStream();
            var sink = to.GetStream();
            while (true)
            {
                var read = await source.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                if (record)
                {
                    lock (_toBackend)
                    {
                        _toBackend.Write(buffer, 0, read);
                    }
                }

                await sink.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // One side went away.
        }
        finally
        {
            try
            {
                to.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
            {
                // Already closed.
            }
        }
    }
}
