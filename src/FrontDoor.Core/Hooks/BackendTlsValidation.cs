namespace FrontDoor.Core.Hooks;

/// <summary>
/// How FrontDoor checks a backend's TLS certificate: by the system's trust store (the default), by a CA
/// file (that CA alone is trusted), by a SHA-256 pin of the certificate's public key, or not at all (labs).
/// </summary>
public sealed record BackendTlsValidation
{
    /// <summary>A PEM file with the CA certificate(s) to trust instead of the system store.</summary>
    public string? CaFile { get; init; }

    /// <summary>Base64 SHA-256 of the certificate's SubjectPublicKeyInfo (as in "sha256:BASE64"): matching it is enough.</summary>
    public string? PinSha256 { get; init; }

    /// <summary>Accept any certificate. For labs only; it is logged at start-up.</summary>
    public bool InsecureSkipVerify { get; init; }

    /// <summary>The name to validate and send as SNI; defaults to the endpoint's host.</summary>
    public string? ServerName { get; init; }
}
