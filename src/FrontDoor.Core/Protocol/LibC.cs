using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace FrontDoor.Core.Protocol;

/// <summary>The plain descriptor calls that both <see cref="Parking.EpollInterop"/> and <see cref="Splicing.SpliceInterop"/> make.</summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class LibC
{
    public const string Library = "libc";

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int descriptor, byte* buffer, nint count);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int descriptor);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int descriptor, int command, int argument);
}
