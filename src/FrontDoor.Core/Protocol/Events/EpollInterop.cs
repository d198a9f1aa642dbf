using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace FrontDoor.Core.Protocol.Events;

/// <summary>
/// The Linux calls behind <see cref="SocketEventLoop"/>: an epoll set, an eventfd to wake its thread, and a
/// descriptor copy. .NET's own epoll set cannot be asked to watch a descriptor without a <c>Socket</c>, its
/// async context and a pending receive (about 900 bytes per connection), which is what the loops' own set
/// (and the parking of silent connections in it) avoids.
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class EpollInterop
{
    private const string Library = LibC.Library;

    public const int ControlAdd = 1;
    public const int ControlDelete = 2;

    public const uint Readable = 0x001;
    public const uint Writable = 0x004;
    public const uint Error = 0x008;
    public const uint HangUp = 0x010;
    public const uint PeerClosedWrite = 0x2000;
    public const uint OneShot = 1u << 30;
    public const uint EdgeTriggered = 1u << 31;

    /// <summary>The token of a set's own wake event (<see cref="TryCreateSetWithWakeEvent"/>); no generation slot's token is ever this.</summary>
    public const ulong WakeToken = ulong.MaxValue;

    private const int CloseOnExec = LibC.CloseOnExec;
    private const int NonBlocking = LibC.NonBlocking;
    private const int DuplicateCloseOnExec = 1030;

    /// <summary>
    /// The size of a <c>struct epoll_event</c>: x86's is packed (4-byte events, 8-byte data at offset 4);
    /// every other ABI aligns the data to 8.
    /// </summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 12 : 16;

    public static int DataOffset => EventSize - sizeof(ulong);

    [LibraryImport(Library, EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport(Library, EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollControl(int epoll, int operation, int descriptor, byte* epollEvent);

    // Without SetLastError (two more native calls per wake): a failed wait (EINTR) is read as no events.
    [LibraryImport(Library, EntryPoint = "epoll_wait")]
    private static partial int EpollWait(int epoll, byte* events, int maxEvents, int timeoutMilliseconds);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int descriptor, byte* buffer, nint count);

    /// <summary>A new epoll set, or -1 when the system has none (or no libc of this name).</summary>
    private static int CreateSet()
    {
        try
        {
            return EpollCreate1(CloseOnExec);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return -1;
        }
    }

    private static int CreateWakeEvent() => EventFd(0, CloseOnExec | NonBlocking);

    /// <summary>
    /// A new epoll set watching an event of its own (token <see cref="WakeToken"/>), which <see cref="Signal"/>
    /// makes readable to wake the set's thread. False, with nothing left open, when the system gives none.
    /// </summary>
    public static bool TryCreateSetWithWakeEvent(out int epoll, out int wakeEvent)
    {
        epoll = CreateSet();
        wakeEvent = epoll < 0 ? -1 : CreateWakeEvent();
        if (wakeEvent >= 0 && Add(epoll, wakeEvent, Readable, WakeToken) == 0)
        {
            return true;
        }

        if (epoll >= 0)
        {
            Close(epoll);
        }

        if (wakeEvent >= 0)
        {
            Close(wakeEvent);
        }

        return false;
    }

    /// <summary>Watches <paramref name="descriptor"/> for <paramref name="events"/>; the token comes back with its event.</summary>
    /// <returns>0, or the errno (out of watches: ENOSPC; out of kernel memory: ENOMEM).</returns>
    public static int Add(int epoll, int descriptor, uint events, ulong token)
    {
        var epollEvent = stackalloc byte[16];
        *(uint*)epollEvent = events;
        *(ulong*)(epollEvent + DataOffset) = token;
        return EpollControl(epoll, ControlAdd, descriptor, epollEvent) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    public static void Remove(int epoll, int descriptor) => EpollControl(epoll, ControlDelete, descriptor, null);

    public static uint EventsAt(byte* events, int index) => *(uint*)(events + (index * EventSize));

    /// <summary>Waits for events into <paramref name="events"/> (<see cref="EventSize"/> bytes each); 0 on timeout, -1 on EINTR.</summary>
    public static int Wait(int epoll, byte* events, int maxEvents, int timeoutMilliseconds) =>
        EpollWait(epoll, events, maxEvents, timeoutMilliseconds);

    public static ulong TokenAt(byte* events, int index) => *(ulong*)(events + (index * EventSize) + DataOffset);

    public static void Signal(int eventDescriptor)
    {
        ulong one = 1;
        Write(eventDescriptor, (byte*)&one, sizeof(ulong));
    }

    public static void ClearSignal(int eventDescriptor)
    {
        ulong value;
        LibC.Read(eventDescriptor, (byte*)&value, sizeof(ulong));
    }

    /// <summary>A second descriptor for the same socket (close-on-exec), or -1 (out of descriptors).</summary>
    public static int Duplicate(int descriptor) => LibC.Fcntl(descriptor, DuplicateCloseOnExec, 0);

    public static void Close(int descriptor) => LibC.Close(descriptor);
}
