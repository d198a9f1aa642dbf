using System.Net;
using System.Net.Sockets;

namespace FrontDoor.Core.Tests.Protocol;

/// <summary>A real TCP connection over loopback: the listener, the client's end and the accepted end, all the caller's to dispose.</summary>
internal sealed class LoopbackTcp : IDisposable
{
    private Socket? _accepted;

    private LoopbackTcp(Socket listener, Socket client, Socket accepted)
    {
        Listener = listener;
        Client = client;
        _accepted = accepted;
    }

    public Socket Listener { get; }

    public Socket Client { get; }

    /// <summary>The accepted end, as .NET's accept made it (blocking, close-on-exec), handed over once: this object keeps no reference to it.</summary>
    public Socket TakeAccepted() => Interlocked.Exchange(ref _accepted, null) ?? throw new InvalidOperationException("the accepted end was taken already");

    public static async Task<LoopbackTcp> ConnectAsync(IPAddress? loopback = null)
    {
        var address = loopback ?? IPAddress.Loopback;
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, 0));
        listener.Listen();
        var client = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        return new LoopbackTcp(listener, client, await listener.AcceptAsync());
    }

    /// <summary>Closes the listener and the client's end; the accepted end is its taker's.</summary>
    public void Dispose()
    {
        Client.Dispose();
        Listener.Dispose();
    }
}
