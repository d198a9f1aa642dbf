using System.Net;

namespace FrontDoor.Admin;

/// <summary>A call the admin endpoint answered with an error status.</summary>
internal sealed class AdminCallException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}
