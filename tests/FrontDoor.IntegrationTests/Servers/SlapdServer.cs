using System.Diagnostics;
using System.Text;

namespace FrontDoor.IntegrationTests.Servers;

/// <summary>
/// A private, real OpenLDAP server (Debian's slapd) on a free loopback port, with its own slapd.conf, schema
/// (core, cosine, inetorgperson, nis, misc: mailHost) and data in a temporary directory, started by
/// scripts/slapd-instance.sh. Suffix dc=example,dc=com; people under ou=people; a read-only service
/// account <see cref="BindDn"/>; changes go through ldapmodify as the root DN. Dispose to stop and delete it.
/// </summary>
public sealed class SlapdServer : IAsyncDisposable
{
    public const string Suffix = "dc=example,dc=com";
    public const string People = "ou=people," + Suffix;
    public const string BindDn = "cn=imapproxy,ou=services," + Suffix;
    public const string BindPassword = "proxy-secret";
    private const string AdminDn = "cn=admin," + Suffix;
    private const string AdminPassword = "admin-secret";

    private readonly string _ldif;
    private int _disposed;

    private SlapdServer(string directory, int port, int? ldapsPort, string ldif)
    {
        Directory = directory;
        Port = port;
        LdapsPort = ldapsPort;
        _ldif = ldif;
    }

    public string Directory { get; }

    public int Port { get; }

    public string Url => $"ldap://127.0.0.1:{Port}";

    /// <summary>The ldaps:// port, when started with TLS.</summary>
    public int? LdapsPort { get; }

    public string LdapsUrl => $"ldaps://127.0.0.1:{LdapsPort}";

    /// <summary>One person's entry: uid=<paramref name="uid"/> under ou=people, with mail and (when given) mailHost.</summary>
    public static string Person(string uid, string? mailHost, string? mail = null)
    {
        var entry = new StringBuilder()
            .Append("dn: uid=").Append(uid).Append(',').Append(People).Append('\n')
            .Append("objectClass: inetOrgPerson\nobjectClass: inetLocalMailRecipient\n")
            .Append("uid: ").Append(uid).Append('\n')
            .Append("cn: ").Append(uid).Append("\nsn: ").Append(uid).Append('\n')
            .Append("mail: ").Append(mail ?? (uid.Contains('@', StringComparison.Ordinal) ? uid : uid + "@example.com")).Append('\n');
        if (mailHost is not null)
        {
            entry.Append("mailHost: ").Append(mailHost).Append('\n');
        }

        return entry.Append('\n').ToString();
    }

    /// <summary>
    /// Starts a server holding the base entries and <paramref name="entries"/> (LDIF, e.g. from <see cref="Person"/>).
    /// With <paramref name="tls"/> (a certificate and key as PEM files) it offers StartTLS and listens on ldaps:// too.
    /// </summary>
    public static async Task<SlapdServer> StartAsync(IEnumerable<string> entries, (string CertificatePem, string KeyPem)? tls = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/sbin/slapd"))
        {
            throw new InvalidOperationException("slapd is not installed. Run ./test.sh, which installs it (or scripts/install-deps.sh as root).");
        }

        var directory = System.IO.Directory.CreateTempSubdirectory("fd-slapd-").FullName;
        var ldifPath = Path.Combine(Path.GetTempPath(), Path.GetFileName(directory) + ".ldif");
        try
        {
            int? ldapsPort = null;
            if (tls is { } files)
            {
                var tlsDirectory = System.IO.Directory.CreateDirectory(Path.Combine(directory, "tls")).FullName;
                File.Copy(files.CertificatePem, Path.Combine(tlsDirectory, "cert.pem"));
                File.Copy(files.KeyPem, Path.Combine(tlsDirectory, "key.pem"));
                ldapsPort = FrontDoor.Testing.LoopbackPorts.Pick();
                await File.WriteAllTextAsync(Path.Combine(tlsDirectory, "ldaps-port"), ldapsPort.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
            }

            var ldif = string.Concat(entries);
            await File.WriteAllTextAsync(ldifPath, ldif.Length == 0 ? "\n" : ldif, ct);

            // The script creates DIR itself and treats an existing empty one as its own.
            var port = await InstanceScript.Slapd.StartAsync(directory, [ldif.Length == 0 ? "-" : ldifPath], fixedPort: null, ct);
            return new SlapdServer(directory, port, ldapsPort, ldifPath);
        }
        catch
        {
            await InstanceScript.Slapd.DestroyQuietlyAsync(directory);
            File.Delete(ldifPath);
            throw;
        }
    }

    /// <summary>Sets (replaces) the mailHost of uid=<paramref name="uid"/>, as an administrator would.</summary>
    public Task SetMailHostAsync(string uid, string mailHost, CancellationToken ct = default) =>
        ModifyAsync($"dn: uid={uid},{People}\nchangetype: modify\nreplace: mailHost\nmailHost: {mailHost}\n", ct);

    /// <summary>Adds entries (LDIF without changetype).</summary>
    public Task AddAsync(string ldif, CancellationToken ct = default) => RunLdapToolAsync("ldapadd", ldif, ct);

    /// <summary>Runs an LDIF change (with changetype) through ldapmodify as the root DN.</summary>
    public Task ModifyAsync(string ldif, CancellationToken ct = default) => RunLdapToolAsync("ldapmodify", ldif, ct);

    /// <summary>Stops the server; its data stays for <see cref="RestartAsync"/>.</summary>
    public Task StopAsync(CancellationToken ct = default) => InstanceScript.Slapd.RunCheckedAsync("stop", Directory, ct);

    /// <summary>Starts it again on the same ports with the same data.</summary>
    public Task RestartAsync(CancellationToken ct = default) => InstanceScript.Slapd.StartAsync(Directory, ["-"], Port, ct);

    /// <summary>
    /// Freezes slapd (SIGSTOP): connections are still accepted by the kernel, but nothing is answered, as with a
    /// hung directory. <see cref="Resume"/> undoes it.
    /// </summary>
    public void Pause() => Signal("STOP");

    public void Resume() => Signal("CONT");

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await InstanceScript.Slapd.DestroyQuietlyAsync(Directory);
        File.Delete(_ldif);
    }

    private void Signal(string signal)
    {
        var pid = File.ReadAllText(Path.Combine(Directory, "slapd.pid")).Trim();
        using var kill = Process.Start("kill", ["-" + signal, pid]) ?? throw new InvalidOperationException("kill did not start");
        kill.WaitForExit();
    }

    private async Task RunLdapToolAsync(string tool, string ldif, CancellationToken ct)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-x", "-H", Url, "-D", AdminDn, "-w", AdminPassword])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        await process.StandardInput.WriteAsync(ldif.AsMemory(), ct);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {await error}{await output}");
        }
    }
}
