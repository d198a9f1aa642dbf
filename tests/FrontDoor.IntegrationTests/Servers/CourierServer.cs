namespace FrontDoor.IntegrationTests.Servers;

/// <summary>
/// A private, real Courier-IMAP server (Debian's courier-imap 5.0.13, unpacked by scripts/install-courier.sh,
/// never apt-installed since it conflicts with dovecot-imapd) on a free loopback port, with its own users,
/// maildirs, config and log in a temporary directory: a legacy backend that does NOT advertise LITERAL+.
/// Plain IMAP, LOGIN and AUTHENTICATE PLAIN. Started and stopped by scripts/courier-instance.sh (needs root:
/// each instance runs in its own mount + PID namespace); several may run at once. Dispose to stop it and
/// delete its directory. Stopping sends each client "* BYE Courier-IMAP server shut down by signal.".
/// </summary>
/// <remarks>
/// Courier's ways worth knowing in tests: folders are "INBOX.Name" (separator '.'); a command pipelined
/// behind LOGIN in the same write is lost (imaplogin execs imapd); a failed LOGIN is answered after 5 s;
/// a message APPENDed to the selected mailbox shows up only after a NOOP (or a new SELECT); messages are
/// stored with LF line ends and given back with CRLF, so only CRLF messages that end in CRLF come back
/// byte-exact; 8-bit header bytes get an "* OK [ALERT] ... Unicode" unless the client sent ENABLE UTF8=ACCEPT.
/// Sent "{N+}", it answers "tag NO Error in IMAP command received by server." and runs the literal's
/// lines as commands.
/// </remarks>
public sealed class CourierServer : InstanceServer
{
    /// <summary>Prefix of every personal folder but INBOX itself (NAMESPACE (("INBOX." "."))).</summary>
    public const string FolderPrefix = "INBOX.";

    /// <summary>Hierarchy separator.</summary>
    public const char Separator = '.';

    private CourierServer(string directory, int port, IReadOnlyDictionary<string, string> users, string[] userSpecs)
        : base(InstanceScript.Courier, "courier.log", directory, port, users, userSpecs)
    {
    }

    /// <summary>
    /// Starts a server that knows <paramref name="users"/> (user name → plain password). User names may
    /// hold '@' and dots, not whitespace, '/' or '|'; passwords anything but line breaks.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not Linux, not root, Courier could not be unpacked, or it did not start.</exception>
    public static Task<CourierServer> StartAsync(IReadOnlyDictionary<string, string> users, CancellationToken ct = default)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new InvalidOperationException("Courier-IMAP instances run on Linux only (Debian packages, namespaces).");
        }

        return StartInstanceAsync(
            InstanceScript.Courier,
            "fd-courier-",
            users,
            prepare: null,
            (directory, port, copy, specs) => new CourierServer(directory, port, copy, specs),
            ct);
    }
}
