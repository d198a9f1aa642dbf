using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FrontDoor.Admin;

/// <summary>
/// The status page: three files embedded in this assembly (Page/), served at / and /page/. A strict
/// Content-Security-Policy allows only these files' own script and style, so even a value that slipped
/// past the page's escaping could not run.
/// </summary>
internal static class StatusPage
{
    private static readonly Dictionary<string, (string Resource, string ContentType)> Files = new(StringComparer.Ordinal)
    {
        ["/"] = ("index.html", "text/html; charset=utf-8"),
        ["/page/app.js"] = ("app.js", "text/javascript; charset=utf-8"),
        ["/page/app.css"] = ("app.css", "text/css; charset=utf-8"),
    };

    private static readonly Dictionary<string, byte[]> Contents = Files.Values.ToDictionary(f => f.Resource, f => Load(f.Resource), StringComparer.Ordinal);

    public static bool Serves(PathString path) => path.HasValue && Files.ContainsKey(path.Value!);

    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var (path, (resource, contentType)) in Files)
        {
            app.MapGet(path, (HttpContext context) =>
                {
                    var headers = context.Response.Headers;
                    headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
                    headers.XContentTypeOptions = "nosniff";
                    headers.CacheControl = "no-store";
                    headers["Referrer-Policy"] = "no-referrer";
                    return Results.Bytes(Contents[resource], contentType);
                })
                .ExcludeFromDescription();
        }
    }

    private static byte[] Load(string name)
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream("FrontDoor.Admin.Page." + name)
            ?? throw new InvalidOperationException($"the status page's {name} is not embedded");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
