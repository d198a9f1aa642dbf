using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace FrontDoor.Admin;

/// <summary>The JSON API under /api: sessions (paged, kick), backends (drain, undrain), status.</summary>
internal static class AdminApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");

        api.MapGet("/sessions", (AdminQueries queries, string? user, string? backend, string? listener, int? page, int? pageSize) =>
                queries.Sessions(new SessionFilter(Blank(user), Blank(backend), Blank(listener), null), page ?? 1, pageSize ?? AdminQueries.DefaultPageSize))
            .WithName("ListSessions")
            .WithSummary("Logged-in sessions, paged (pageSize at most 1000), filtered by user, backend and listener");

        api.MapPost("/sessions/kick", async Task<Results<Ok<KickResult>, BadRequest<ErrorView>>> (AdminQueries queries, string? user, string? session, string? backend, CancellationToken cancellationToken) =>
            {
                var filter = new SessionFilter(Blank(user), Blank(backend), null, Blank(session));
                if (filter.IsEmpty)
                {
                    // Kicking everyone by leaving the filter out would be one typo away; drain a backend instead.
                    return TypedResults.BadRequest(new ErrorView("say whom to kick: ?user=, ?session= or ?backend="));
                }

                return TypedResults.Ok(new KickResult(await queries.KickAsync(filter, cancellationToken).ConfigureAwait(false)));
            })
            .WithName("KickSessions")
            .WithSummary("Ends the matching sessions with * BYE [UNAVAILABLE], in paced batches; says how many");

        api.MapGet("/backends", (AdminQueries queries) => queries.Backends())
            .WithName("ListBackends")
            .WithSummary("Each backend: health, breaker per endpoint, sessions, logins per minute, connect latency, literal conversions and drains, capability rewrites");

        api.MapPost("/backends/{name}/drain", async Task<Results<Ok<DrainResult>, NotFound<ErrorView>>> (AdminQueries queries, string name, bool? kick, CancellationToken cancellationToken) =>
                queries.IsBackend(name)
                    ? TypedResults.Ok(await queries.DrainAsync(name, kick ?? true, cancellationToken).ConfigureAwait(false))
                    : TypedResults.NotFound(new ErrorView($"no backend is named {name}")))
            .WithName("DrainBackend")
            .WithSummary("No new logins go to the backend; its sessions are kicked in paced batches unless kick=false. Kept until undrain or restart");

        api.MapPost("/backends/{name}/undrain", Results<Ok<DrainResult>, NotFound<ErrorView>> (AdminQueries queries, string name) =>
                queries.IsBackend(name)
                    ? TypedResults.Ok(queries.Undrain(name))
                    : TypedResults.NotFound(new ErrorView($"no backend is named {name}")))
            .WithName("UndrainBackend")
            .WithSummary("The backend takes logins again");

        api.MapGet("/status", (AdminQueries queries) => queries.Status())
            .WithName("Status")
            .WithSummary("Version, uptime, config file and its last reload, listeners, plugins, recent refused logins");
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
