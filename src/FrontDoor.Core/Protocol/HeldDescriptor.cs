using System.Runtime.InteropServices;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// A socket's descriptor with a reference held on its handle until disposed, so that a close meanwhile cannot
/// hand the number to another file under a system call; <see cref="Descriptor"/> is -1 when the socket was
/// closed already. The one guard for FrontDoor's own calls on a .NET socket (<see cref="SocketInterop"/>,
/// <see cref="LibC.StartConnect"/>, <see cref="Splicing.KernelPipe"/>).
/// </summary>
internal ref struct HeldDescriptor
{
    private readonly SafeHandle _handle;
    private bool _added;

    public HeldDescriptor(SafeHandle handle)
    {
        _handle = handle;
        try
        {
            handle.DangerousAddRef(ref _added);
        }
        catch (ObjectDisposedException)
        {
            // Closed: nothing to hold.
        }

        Descriptor = _added ? (int)handle.DangerousGetHandle() : -1;
    }

    /// <summary>The descriptor; -1 when the socket was closed already.</summary>
    public int Descriptor { get; }

    /// <summary>The descriptor, for a call that has nothing to do on a closed socket but fail as .NET's would.</summary>
    /// <exception cref="ObjectDisposedException">The socket was closed already.</exception>
    public readonly int Open => Descriptor >= 0 ? Descriptor : throw new ObjectDisposedException(typeof(System.Net.Sockets.Socket).FullName);

    public void Dispose()
    {
        if (_added)
        {
            _handle.DangerousRelease();
            _added = false;
        }
    }
}
