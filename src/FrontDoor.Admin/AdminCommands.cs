using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FrontDoor.Core.Hooks;
using FrontDoor.Core.Hosting;

namespace FrontDoor.Admin;

/// <summary>
/// <c>FrontDoor who [--user U] [--backend B]</c>, <c>FrontDoor kick USER</c>, <c>FrontDoor drain BACKEND [--undo]
/// [--no-kick]</c>, each with <c>--config PATH</c>: they find the admin endpoint and its token in the config and
/// call the API of the running FrontDoor. Exit 0 done, 1 nothing matched, 2 the endpoint cannot be reached,
/// refused the token, or the command line or config is wrong; each failure is one line on stderr.
/// </summary>
internal static class AdminCommands
{
    public const int Done = 0;
    public const int NothingMatched = 1;
    public const int Failed = 2;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static bool Handles(string command) => command is "who" or "kick" or "drain";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!AdminCommandLine.TryParse(args, out var line, out var problem))
        {
            await error.WriteLineAsync(problem).ConfigureAwait(false);
            return Failed;
        }

        AdminOptions options;
        try
        {
            var (configuration, path) = FrontDoorConfiguration.Build(line.ConfigPath is null ? [] : ["--config", line.ConfigPath]);
            using (configuration as IDisposable)
            {
                options = AdminOptions.Read(configuration, AppContext.BaseDirectory)
                    ?? throw new FrontDoorConfigurationException($"{path}: no <admin endpoint=... tokenFile=...> element, so there is no admin endpoint to ask");
            }
        }
        catch (FrontDoorConfigurationException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return Failed;
        }

        var address = options.LocalUri();
        using var http = Client(options, line.Command == "who" ? TimeSpan.FromSeconds(30) : TimeSpan.FromMinutes(10));
        try
        {
            return line.Command switch
            {
                "who" => await WhoAsync(http, line, output).ConfigureAwait(false),
                "kick" => await KickAsync(http, line, output, error).ConfigureAwait(false),
                _ => await DrainAsync(http, line, output, error).ConfigureAwait(false),
            };
        }
        catch (HttpRequestException ex) when (ex.StatusCode is null)
        {
            await error.WriteLineAsync($"cannot reach the admin endpoint at {address}: {ex.InnerException?.Message ?? ex.Message}").ConfigureAwait(false);
            return Failed;
        }
        catch (TaskCanceledException)
        {
            await error.WriteLineAsync($"the admin endpoint at {address} did not answer in time").ConfigureAwait(false);
            return Failed;
        }
        catch (AdminCallException ex)
        {
            await error.WriteLineAsync(ex.Status == HttpStatusCode.Unauthorized
                ? $"the admin endpoint at {address} refused the token in tokenFile"
                : $"the admin endpoint at {address} answered {(int)ex.Status}: {ex.Message}").ConfigureAwait(false);
            return Failed;
        }
    }

    private static async Task<int> WhoAsync(HttpClient http, AdminCommandLine line, TextWriter output)
    {
        var sessions = new List<SessionView>();
        for (var page = 1; ; page++)
        {
            var query = $"api/sessions?pageSize={AdminQueries.MaxPageSize}&page={page}{Param("user", line.User)}{Param("backend", line.Backend)}";
            var result = await CallAsync<SessionPage>(http, HttpMethod.Get, query).ConfigureAwait(false);
            sessions.AddRange(result.Sessions);
            if (result.Sessions.Count == 0 || sessions.Count >= result.Total)
            {
                break;
            }
        }

        if (sessions.Count == 0)
        {
            await output.WriteLineAsync("no sessions match").ConfigureAwait(false);
            return NothingMatched;
        }

        await output.WriteAsync(SessionTable.Format(sessions)).ConfigureAwait(false);
        return Done;
    }

    private static async Task<int> KickAsync(HttpClient http, AdminCommandLine line, TextWriter output, TextWriter error)
    {
        var result = await CallAsync<KickResult>(http, HttpMethod.Post, $"api/sessions/kick?{Param("user", line.Target)[1..]}").ConfigureAwait(false);
        if (result.Kicked == 0)
        {
            await error.WriteLineAsync($"no session of {SessionTable.Printable(line.Target!)}").ConfigureAwait(false);
            return NothingMatched;
        }

        await output.WriteLineAsync($"kicked {result.Kicked} session(s) of {SessionTable.Printable(line.Target!)}").ConfigureAwait(false);
        return Done;
    }

    private static async Task<int> DrainAsync(HttpClient http, AdminCommandLine line, TextWriter output, TextWriter error)
    {
        var name = Uri.EscapeDataString(line.Target!);
        var path = line.Undo ? $"api/backends/{name}/undrain" : $"api/backends/{name}/drain?kick={(line.NoKick ? "false" : "true")}";
        DrainResult result;
        try
        {
            result = await CallAsync<DrainResult>(http, HttpMethod.Post, path).ConfigureAwait(false);
        }
        catch (AdminCallException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
            await error.WriteLineAsync($"no backend is named {SessionTable.Printable(line.Target!)}").ConfigureAwait(false);
            return NothingMatched;
        }

        await output.WriteLineAsync(result.Drained
            ? $"drained {result.Backend}: no new logins go there; {result.Kicked} session(s) kicked (until undrain or a restart)"
            : $"{result.Backend} takes logins again").ConfigureAwait(false);
        return Done;
    }

    private static async Task<T> CallAsync<T>(HttpClient http, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        using var response = await http.SendAsync(request).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            string message;
            try
            {
                message = JsonSerializer.Deserialize<ErrorView>(text, Json)?.Error ?? response.ReasonPhrase ?? string.Empty;
            }
            catch (JsonException)
            {
                message = response.ReasonPhrase ?? string.Empty;
            }

            throw new AdminCallException(response.StatusCode, message);
        }

        return await response.Content.ReadFromJsonAsync<T>(Json).ConfigureAwait(false)
            ?? throw new AdminCallException(response.StatusCode, "empty answer");
    }

    private static HttpClient Client(AdminOptions options, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler();
        if (options.Certificate is { } certificate)
        {
            // The endpoint serves the certificate named in this very config: trust exactly that one.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
                presented is not null && presented.GetCertHashString() == certificate.GetCertHashString();
        }

        var http = new HttpClient(handler) { BaseAddress = options.LocalUri(), Timeout = timeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token.Value);
        return http;
    }

    private static string Param(string name, string? value) =>
        value is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"&{name}={Uri.EscapeDataString(value)}");
}
