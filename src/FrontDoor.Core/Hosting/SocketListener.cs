using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using FrontDoor.Core.Protocol;
using Microsoft.Extensions.Logging;

namespace FrontDoor.Core.Hosting;

/// <summary>A bound, listening TCP socket; each accepted socket becomes a <see cref="SocketConnection"/>.</summary>
internal sealed partial class SocketListener : IConnectionListener
{
    // Out of file descriptors, accept fails at once for as long as none is freed, and retrying at once would
    // spin a core while every session on the node needs it. Connections wait in the kernel's backlog
    // meanwhile and are accepted once descriptors are free (nginx pauses its accepts the same way).
    private static readonly TimeSpan ExhaustedPause = TimeSpan.FromMilliseconds(100);

    private readonly Socket _socket;
    private readonly string _name;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _failedWhileExhausted;

    public SocketListener(Socket socket, string name, TimeProvider time, ILogger logger)
    {
        _socket = socket;
        _name = name;
        _time = time;
        _logger = logger;
        EndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    // Pooled: the accept loop awaits one accept after another, so one state machine box serves them all.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ImapConnection?> AcceptAsync()
    {
        while (true)
        {
            // Near the limit no accept is made until there is room again: the last descriptors are the runtime's
            // (deploy/README.md, "Out of file descriptors").
            if (!DescriptorReserve.Shared.TryResume())
            {
                if (_socket.SafeHandle.IsClosed)
                {
                    return null;
                }

                if (_failedWhileExhausted++ == 0)
                {
                    LogExhausted(_name, "the process is at or near its file descriptor limit");
                }

                await Task.Delay(ExhaustedPause, _time).ConfigureAwait(false);
                continue;
            }

            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            catch (SocketException ex) when (LocalExhaustion.IsResources(ex.SocketErrorCode) && !_socket.SafeHandle.IsClosed)
            {
                if (LocalExhaustion.IsDescriptors(ex.SocketErrorCode))
                {
                    DescriptorReserve.Shared.OnExhausted();
                }

                if (_failedWhileExhausted++ == 0)
                {
                    LogExhausted(_name, ex.Message);
                }

                await Task.Delay(ExhaustedPause, _time).ConfigureAwait(false);
                continue;
            }
            catch (SocketException)
            {
                // The listener was closed (Dispose), or this one accept failed (e.g. the peer reset).
                if (_socket.SafeHandle.IsClosed)
                {
                    return null;
                }

                continue;
            }

            if (_failedWhileExhausted > 0)
            {
                LogAcceptingAgain(_name, _failedWhileExhausted);
                _failedWhileExhausted = 0;
            }

            // Served all the same; the listeners pause after it.
            DescriptorReserve.Shared.AcceptedNearLimit((int)accepted.SafeHandle.DangerousGetHandle());

            try
            {
                return new SocketConnection(accepted);
            }
            catch (SocketException)
            {
                // Reset before it could be set up.
                accepted.Dispose();
            }
        }
    }

    public void Dispose() => _socket.Dispose();

    [LoggerMessage(EventId = 3011, Level = LogLevel.Error, Message = "Listener {Listener}: cannot accept connections: {Reason}. New clients wait in the kernel's queue until descriptors or memory are freed; raise the service's file limit (LimitNOFILE, deploy/README.md)")]
    private partial void LogExhausted(string listener, string reason);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "Listener {Listener}: accepting connections again after {Attempts} failed attempts")]
    private partial void LogAcceptingAgain(string listener, long attempts);
}
