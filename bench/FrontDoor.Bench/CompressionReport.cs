using System.Globalization;
using System.Text;

namespace FrontDoor.Bench;

/// <summary>Scenario 6's tables: octets on the wire, FrontDoor's CPU per MiB, memory per idle session.</summary>
internal static class CompressionReport
{
    private const double MiB = 1024 * 1024;

    public static void Append(StringBuilder md, Dictionary<CompressVariant, List<CompressFetchSample>> fetch, Dictionary<CompressVariant, List<double>> idle, int sessions, int runs, int memoryRuns)
    {
        md.AppendLine("### 6. COMPRESS=DEFLATE (RFC 4978), ended at FrontDoor");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"`FETCH 1:{CompressionBench.Messages} BODY.PEEK[]` of {CompressionBench.Messages} text messages (prose-like words, about 24 KiB each) through FrontDoor, one FrontDoor process per row, {runs} runs after a warm-up; the client compresses its side with System.IO.Compression (Fastest). \"wire\" is what the client read from its socket; FrontDoor's CPU (user + system, from /proc, 10 ms ticks) is per MiB of IMAP relayed to the client. Medians.");
        md.AppendLine();
        md.AppendLine("| FrontDoor listener / client | IMAP per FETCH | on the wire | saved | FrontDoor CPU per MiB | seconds per FETCH |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (variant, samples) in fetch)
        {
            var perFetch = Report.Median(samples.Select(s => (double)s.PlainBytes / s.Fetches));
            var wire = Report.Median(samples.Select(s => (double)s.WireBytes / s.Fetches));
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {variant.Name} | {perFetch / MiB:F2} MiB | {wire / MiB:F2} MiB | {(1 - (wire / perFetch)) * 100:F0}% | {Report.Median(samples.Select(s => s.CpuMsPerMiB)):F1} ms | {Report.Median(samples.Select(s => s.Seconds / s.Fetches)):F3} |");
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Memory: a fresh FrontDoor, warmed up, then {sessions} sessions each logged in, (compressed,) 20 messages fetched, then idle; growth of FrontDoor's RSS per session, median of {memoryRuns} runs. The zlib state is counted in RSS (it is native memory).");
        md.AppendLine();
        md.AppendLine("| FrontDoor listener / client | RSS per idle session |");
        md.AppendLine("|---|---:|");
        foreach (var (variant, samples) in idle)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {variant.Name} | {Report.Median(samples) / 1024:F1} KiB |");
        }

        md.AppendLine();
    }
}
