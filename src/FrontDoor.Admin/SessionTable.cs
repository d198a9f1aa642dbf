using System.Globalization;
using System.Text;

namespace FrontDoor.Admin;

/// <summary>The session table of <c>who</c>, like <c>doveadm who</c>: one line per session, columns aligned.</summary>
internal static class SessionTable
{
    public static string Format(IReadOnlyList<SessionView> sessions)
    {
        string[] header = ["user", "backend", "endpoint", "client", "listener", "since (UTC)", "id"];
        var rows = sessions
            .OrderBy(s => s.User, StringComparer.OrdinalIgnoreCase)
            .ThenBy(s => s.StartedAt)
            .Select(s => new[]
            {
                Printable(s.User), Printable(s.Backend), s.Endpoint, s.ClientAddress ?? "-", Printable(s.Listener),
                s.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), s.Id,
            })
            .Prepend(header)
            .ToList();
        var widths = Enumerable.Range(0, header.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (var c = 0; c < row.Length; c++)
            {
                text.Append(c == row.Length - 1 ? row[c] : row[c].PadRight(widths[c] + 2));
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A name as it may reach a terminal: control characters (escape sequences) become '?'.</summary>
    public static string Printable(string value) =>
        string.Create(value.Length, value, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
}
