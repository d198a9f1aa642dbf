using System.Security.Cryptography;
using System.Text;
using MimeKit;

namespace FrontDoor.IntegrationTests.EndToEnd;

/// <summary>Test messages made as raw bytes (CRLF), so what comes back can be compared octet for octet.</summary>
internal static class Mail
{
    public static byte[] Message(string subject, int bodyBytes, int seed = 1)
    {
        var random = new Random(seed);
        var builder = new StringBuilder();
        builder.Append("From: Test <test@example.com>\r\n")
            .Append("To: User <user@example.com>\r\n")
            .Append("Subject: ").Append(subject).Append("\r\n")
            .Append("Message-ID: <").Append(Guid.NewGuid().ToString("N")).Append("@frontdoor.test>\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: text/plain; charset=us-ascii\r\n\r\n");
        // Lines that look like IMAP, so a relay that reads bodies as commands would show it.
        builder.Append("x CREATE INBOX.Injected\r\n* CAPABILITY IMAP4rev1 LITERAL+\r\n+ OK\r\n");
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 {}+~";
        while (builder.Length < bodyBytes)
        {
            for (var i = 0; i < 76; i++)
            {
                builder.Append(alphabet[random.Next(alphabet.Length)]);
            }

            builder.Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(builder.ToString());
    }

    public static MimeMessage Parse(byte[] raw) => MimeMessage.Load(new MemoryStream(raw));

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    public static string Sha256(Stream stream) => Convert.ToHexString(SHA256.HashData(stream));
}
