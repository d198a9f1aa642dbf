using System.Net;

namespace FrontDoor.Core.Hooks;

/// <summary>Who is logging in, as the router sees it.</summary>
/// <param name="User">The login name exactly as the client sent it.</param>
/// <param name="ClientAddress">The client's address, when known.</param>
/// <param name="Listener">The name of the listener the client came in on.</param>
public sealed record RouteRequest(string User, IPEndPoint? ClientAddress, string Listener);

/// <summary>What a router decided.</summary>
public enum RouteKind
{
    /// <summary>Not this router's user: ask the next one.</summary>
    NotMine,

    /// <summary>Proxy to the backend or pool named <see cref="RouteResult.Target"/>.</summary>
    Backend,

    /// <summary>Refuse the login; <see cref="RouteResult.Reason"/> is shown to the client after <c>NO [AUTHENTICATIONFAILED]</c>.</summary>
    Reject,

    /// <summary>The user's mailbox cannot be reached now (e.g. the directory is down): <c>NO [UNAVAILABLE]</c>, not a failed login.</summary>
    Unavailable,

    /// <summary>Send the client elsewhere: <c>NO [REFERRAL url]</c> (RFC 2221); <see cref="RouteResult.Reason"/> is the URL.</summary>
    Referral,
}

/// <summary>What a router decided; <see cref="Target"/> names a backend or a pool of the <see cref="BackendCatalog"/>.</summary>
public readonly record struct RouteResult(RouteKind Kind, string? Target, string? Reason)
{
    public static RouteResult NotMine => new(RouteKind.NotMine, null, null);

    /// <summary>Proxy to the backend or pool of this name; Core picks a pool's member and checks the name exists.</summary>
    public static RouteResult To(string backendOrPool) => new(RouteKind.Backend, backendOrPool, null);

    /// <summary>The mailbox cannot be reached now; <paramref name="reason"/> goes to the log, not to the client.</summary>
    public static RouteResult Unavailable(string reason) => new(RouteKind.Unavailable, null, reason);

    public static RouteResult Rejected(string reason) => new(RouteKind.Reject, null, reason);

    public static RouteResult ReferTo(string imapUrl) => new(RouteKind.Referral, null, imapUrl);
}

/// <summary>
/// Maps a login to a backend. Routers run in ascending <see cref="Order"/>; the first that does not answer
/// <see cref="RouteKind.NotMine"/> decides. Built once; must be thread-safe.
/// </summary>
public interface IBackendRouter
{
    int Order => 0;

    ValueTask<RouteResult> RouteAsync(RouteRequest request, CancellationToken cancellationToken);
}
