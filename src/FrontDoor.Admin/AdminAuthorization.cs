using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace FrontDoor.Admin;

/// <summary>
/// Every call that changes something needs the bearer token; reading needs it too unless anonymousRead is
/// on. The page's own files (HTML, script, style) hold no data and are served to anyone: the page asks for
/// the token and sends it with each API call.
/// </summary>
internal sealed class AdminAuthorization
{
    private static readonly byte[] Refused = JsonSerializer.SerializeToUtf8Bytes(new ErrorView("a valid Authorization: Bearer token is needed"));

    private readonly AdminOptions _options;

    public AdminAuthorization(AdminOptions options) => _options = options;

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var request = context.Request;
        var reading = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        var open = reading && (StatusPage.Serves(request.Path) || _options.AnonymousRead);
        if (!open && !_options.Token.Accepts(request.Headers.Authorization))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(Refused, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        await next().ConfigureAwait(false);
    }
}
