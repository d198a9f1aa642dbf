namespace FrontDoor.Core.Protocol.Parking;

/// <summary>Why a parked connection is handed back.</summary>
internal enum ParkedSocketWake
{
    /// <summary>The client sent its first byte, closed, or reset (or it could not be watched): read it.</summary>
    Readable,

    /// <summary>It stayed silent longer than allowed.</summary>
    Expired,

    /// <summary>FrontDoor is stopping.</summary>
    Stopping,
}
