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

    /// <summary>Proxy to <see cref="RouteResult.Backend"/>.</summary>
    Backend,

    /// <summary>Refuse the login; <see cref="RouteResult.Reason"/> is shown to the client.</summary>
    Reject,

    /// <summary>Send the client elsewhere: <c>NO [REFERRAL url]</c> (RFC 2221); <see cref="RouteResult.Reason"/> is the URL.</summary>
    Referral,
}

public readonly record struct RouteResult(RouteKind Kind, BackendTarget? Backend, string? Reason)
{
    public static RouteResult NotMine => new(RouteKind.NotMine, null, null);

    public static RouteResult To(BackendTarget backend) => new(RouteKind.Backend, backend, null);

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
