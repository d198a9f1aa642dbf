using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace FrontDoor.Core.Protocol;

/// <summary>
/// A <see cref="Socket"/> over a descriptor without .NET reading the descriptor's family, type and both
/// addresses back: <see cref="Socket(SafeSocketHandle)"/> makes two endpoints and two addresses (about 150 B),
/// and a later <see cref="Socket.LocalEndPoint"/> a socket address, its buffer and a third endpoint, for a
/// connection made again from its parked descriptor at every first command (bench/README.md, garbage per
/// login). .NET's view of such a socket is empty (family unknown, not connected, no endpoints): it is for a
/// socket whose every call is FrontDoor's own (<see cref="SocketInterop"/>, the event loop's waits), which
/// reads an address only when asked (<see cref="SocketInterop.EndPointOf"/>).
/// </summary>
internal static class BareSocket
{
    private static bool s_missing;

    /// <summary>The socket, or null where this runtime has no constructor that skips the read-back.</summary>
    public static Socket? TryWrap(SafeSocketHandle handle)
    {
        if (s_missing)
        {
            return null;
        }

        try
        {
            return Wrap(handle, loadPropertiesFromHandle: false);
        }
        catch (MissingMethodException)
        {
            // Another runtime's Socket: the public constructor it is.
            s_missing = true;
            return null;
        }
    }

    // The constructor Socket(SafeSocketHandle) calls with true; private in .NET 8 to 10. Checked by
    // BareSocketTests, so a runtime that drops it is seen in the tests, not only as more garbage.
    [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
    private static extern Socket Wrap(SafeSocketHandle handle, bool loadPropertiesFromHandle);
}
