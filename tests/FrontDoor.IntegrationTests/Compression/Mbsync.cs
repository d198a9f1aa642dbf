using System.Diagnostics;
using System.Text;

namespace FrontDoor.IntegrationTests.Compression;

/// <summary>
/// mbsync (Debian's isync) syncing one IMAP folder with a local Maildir. isync 1.4 uses COMPRESS=DEFLATE
/// whenever the server offers it. Maildir files hold LF line ends; IMAP messages CRLF.
/// </summary>
internal sealed class Mbsync : IDisposable
{
    private const string Binary = "/usr/bin/mbsync";
    private readonly string _directory = Directory.CreateTempSubdirectory("frontdoor-mbsync-").FullName;
    private readonly string _config;
    private int _uploads;

    public Mbsync(int port, string user, string password, string folder)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"mbsync is not installed ({Binary}); run ./test.sh or scripts/install-deps.sh (package isync)");
        }

        Directory.CreateDirectory(Path.Combine(_directory, "mail"));
        _config = Path.Combine(_directory, "mbsyncrc");
        File.WriteAllText(_config, $"""
            IMAPAccount frontdoor
            Host 127.0.0.1
            Port {port}
            User {user}
            Pass {password}
            SSLType None
            AuthMechs LOGIN

            IMAPStore remote
            Account frontdoor

            MaildirStore local
            Path {_directory}/mail/
            SubFolders Verbatim

            Channel sync
            Far :remote:
            Near :local:
            Patterns {folder}
            Create Near
            Sync All
            SyncState *

            """);
        Folder = Path.Combine(_directory, "mail", folder);
    }

    private string Folder { get; }

    public async Task RunAsync()
    {
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(_config);
        start.ArgumentList.Add("-a");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"mbsync failed ({process.ExitCode}): {await output}{await error}");
        }
    }

    public IEnumerable<byte[]> LocalMessages() =>
        new[] { "cur", "new" }.SelectMany(sub => Directory.EnumerateFiles(Path.Combine(Folder, sub))).Select(File.ReadAllBytes);

    /// <summary>Puts a message into the Maildir's new/ folder, as a mail client would.</summary>
    public void AddLocalMessage(byte[] crlfMessage)
    {
        var name = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.frontdoor{++_uploads}.test";
        File.WriteAllBytes(Path.Combine(Folder, "new", name), Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(crlfMessage).Replace("\r\n", "\n", StringComparison.Ordinal)));
    }

    /// <summary>
    /// A message as it was before mbsync handled it: CRLF line ends, and without the X-TUID header mbsync
    /// adds to find messages again (its own bookkeeping, not something FrontDoor changed).
    /// </summary>
    public static byte[] AsSent(byte[] message)
    {
        var lines = Encoding.ASCII.GetString(message).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var headerEnd = Array.IndexOf(lines, string.Empty);
        var kept = lines.Where((line, i) => i >= headerEnd || !line.StartsWith("X-TUID: ", StringComparison.Ordinal));
        return Encoding.ASCII.GetBytes(string.Join("\r\n", kept));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
