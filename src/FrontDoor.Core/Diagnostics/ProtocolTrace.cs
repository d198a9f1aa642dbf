using System.Globalization;
using System.Text;

namespace FrontDoor.Core.Diagnostics;

/// <summary>
/// One session's redacted protocol trace: commands and responses as they crossed FrontDoor, with
/// credentials removed and literal octets replaced by their size. Written only for the users and
/// backends the config names, so its string work never touches an untraced session.
/// </summary>
internal sealed class ProtocolTrace : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private bool _authenticating;

    public ProtocolTrace(string path, TimeProvider time)
    {
        _time = time;
        _writer = new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
        Path = path;
    }

    public string Path { get; }

    /// <summary>A client line as relayed. LOGIN and AUTHENTICATE arguments and SASL responses are hidden.</summary>
    public void Client(ReadOnlySpan<byte> line, bool isCommandStart)
    {
        var text = Encoding.UTF8.GetString(line);
        if (isCommandStart)
        {
            var parts = text.Split(' ', 3);
            var name = parts.Length > 1 ? parts[1].ToUpperInvariant() : string.Empty;
            if (_authenticating && parts.Length == 1)
            {
                // A SASL response line to AUTHENTICATE: credentials.
                text = "<authentication data hidden>";
            }
            else
            {
                _authenticating = name == "AUTHENTICATE";
                if (name is "LOGIN" or "AUTHENTICATE")
                {
                    text = name == "AUTHENTICATE" && parts.Length > 2
                        ? $"{parts[0]} {parts[1]} {parts[2].Split(' ')[0]} <hidden>"
                        : $"{parts[0]} {parts[1]} <hidden>";
                }
            }
        }
        else if (_authenticating)
        {
            text = "<hidden>";
        }

        Write("C: ", text);
    }

    /// <summary>The login that started the session, as <see cref="Backends.ClientCredentials.TraceText"/> shows it: no secret.</summary>
    public void Login(string tag, string redacted) => Write("C: ", $"{tag} {redacted}");

    public void Server(ReadOnlySpan<byte> line) => Write("S: ", Encoding.UTF8.GetString(line));

    /// <summary>Literal octets are never written, only how many there were.</summary>
    public void Literal(bool fromClient, long length) =>
        Write(fromClient ? "C: " : "S: ", string.Create(CultureInfo.InvariantCulture, $"<{length} octets of literal data>"));

    public void Note(string text) => Write("-- ", text);

    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Dispose();
        }
    }

    private void Write(string prefix, string text)
    {
        var stamp = _time.GetUtcNow().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
        lock (_lock)
        {
            _writer.Write(stamp);
            _writer.Write(' ');
            _writer.Write(prefix);
            _writer.WriteLine(text);
            _writer.Flush();
        }
    }
}
