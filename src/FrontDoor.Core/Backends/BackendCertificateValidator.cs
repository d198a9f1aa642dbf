using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Backends;

/// <summary>
/// Checks a backend's certificate as its config says: a SHA-256 pin of the public key is enough on its
/// own; a CA file replaces the system store; otherwise the system store and the host name decide.
/// </summary>
internal sealed class BackendCertificateValidator
{
    private readonly ConcurrentDictionary<string, X509Certificate2Collection> _caFiles = new(StringComparer.Ordinal);

    public SslClientAuthenticationOptions OptionsFor(BackendTarget backend, BackendEndpoint endpoint)
    {
        var validation = backend.TlsValidation;
        return new SslClientAuthenticationOptions
        {
            TargetHost = validation.ServerName ?? endpoint.Host,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => Validate(validation, certificate, errors),
        };
    }

    public static string PinOf(X509Certificate certificate)
    {
        using var certificate2 = new X509Certificate2(certificate);
        return Convert.ToBase64String(SHA256.HashData(certificate2.PublicKey.ExportSubjectPublicKeyInfo()));
    }

    private bool Validate(BackendTlsValidation validation, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (validation.InsecureSkipVerify)
        {
            return true;
        }

        if (certificate is null)
        {
            return false;
        }

        if (validation.PinSha256 is { } pin)
        {
            return CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.ASCII.GetBytes(PinOf(certificate)),
                System.Text.Encoding.ASCII.GetBytes(pin));
        }

        if (validation.CaFile is { } caFile)
        {
            // The name must still match; only the chain is judged against the CA file instead of the system.
            if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
            {
                return false;
            }

            var roots = _caFiles.GetOrAdd(caFile, static path =>
            {
                var collection = new X509Certificate2Collection();
                collection.ImportFromPemFile(path);
                return collection;
            });
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = new X509Certificate2(certificate);
            return chain.Build(leaf);
        }

        return errors == SslPolicyErrors.None;
    }
}
