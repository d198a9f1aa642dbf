using System.Net;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// Counts failed logins and says how long to wait before answering one: per node
/// (<see cref="AuthFailureTracker"/>) or shared by all nodes through Redis
/// (<see cref="RedisAuthFailureThrottle"/>). Neither ever refuses a login: a failure is answered late,
/// a success is answered at once.
/// </summary>
internal interface IAuthFailureThrottle
{
    /// <summary>Records a failed login of <paramref name="user"/> (null when refused before a name was read) from <paramref name="address"/>; the delay before its answer.</summary>
    ValueTask<TimeSpan> FailedAsync(IPAddress? address, string? user, CancellationToken cancellationToken);

    /// <summary>A good login: the address and the user start afresh. Never delays the login.</summary>
    void Succeeded(IPAddress? address, string user);
}
