using System.Security.Cryptography;
using System.Text;
using FrontDoor.Core.Hooks;

namespace FrontDoor.Admin;

/// <summary>
/// The admin bearer token, read from tokenFile. Only its SHA-256 is kept, and a presented token is hashed
/// and compared with <see cref="CryptographicOperations.FixedTimeEquals"/>: equal-length digests compared
/// in constant time, so neither the content nor the length of the token shows in the answer's timing.
/// </summary>
internal sealed class AdminToken
{
    /// <summary>Shorter tokens can be guessed; 16 characters of a random string is the least we take.</summary>
    public const int MinLength = 16;

    private readonly byte[] _digest;

    private AdminToken(byte[] digest) => _digest = digest;

    /// <summary>The token itself, for the command line tools only (they send it).</summary>
    public string? Value { get; private init; }

    public static AdminToken Load(string configured, string path)
    {
        if (!File.Exists(path))
        {
            throw new FrontDoorConfigurationException($"<admin> tokenFile=\"{configured}\": file not found ({path})");
        }

        var token = File.ReadAllText(path).Trim();
        if (token.Length < MinLength || token.AsSpan().IndexOfAny(" \t\r\n") >= 0)
        {
            throw new FrontDoorConfigurationException(
                $"<admin> tokenFile=\"{configured}\": the file must hold one token of at least {MinLength} characters without spaces (e.g. openssl rand -hex 32)");
        }

        return new AdminToken(SHA256.HashData(Encoding.UTF8.GetBytes(token))) { Value = token };
    }

    /// <summary>True when <paramref name="authorization"/> is "Bearer &lt;the token&gt;".</summary>
    public bool Accepts(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()), presented);
        return CryptographicOperations.FixedTimeEquals(presented, _digest);
    }
}
