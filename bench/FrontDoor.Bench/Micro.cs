using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace FrontDoor.Bench;

internal sealed record MicroResult(string Name, double MedianNs, long? AllocatedPerOperation);

/// <summary>Runs <see cref="FramerBenchmarks"/> with BenchmarkDotNet in this process (no child build).</summary>
internal static class Micro
{
    public static List<MicroResult> Run(BenchContext context)
    {
        var job = (context.Settings.Smoke ? Job.Dry : Job.ShortRun)
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithId(context.Settings.Smoke ? "Dry" : "ShortRun");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(context.Settings.Smoke ? NullLogger.Instance : ConsoleLogger.Default)
            .WithArtifactsPath(Path.Combine(context.Work, "BenchmarkDotNet"))
            .WithOptions(ConfigOptions.DisableLogFile);
        // BenchmarkDotNet logs to the console; keep stdout for the report.
        var stdout = Console.Out;
        Console.SetOut(Console.Error);
        BenchmarkDotNet.Reports.Summary summary;
        try
        {
            summary = BenchmarkRunner.Run<FramerBenchmarks>(config);
        }
        finally
        {
            Console.SetOut(stdout);
        }

        if (summary.HasCriticalValidationErrors || summary.Reports.Length == 0)
        {
            throw new BenchException("BenchmarkDotNet: " + string.Join("; ", summary.ValidationErrors.Select(e => e.Message)));
        }

        var results = new List<MicroResult>();
        foreach (var report in summary.Reports)
        {
            if (!report.Success || report.ResultStatistics is null)
            {
                throw new BenchException($"BenchmarkDotNet: {report.BenchmarkCase.Descriptor.WorkloadMethod.Name} failed");
            }

            results.Add(new MicroResult(
                report.BenchmarkCase.Descriptor.WorkloadMethod.Name,
                report.ResultStatistics.Median,
                report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase)));
        }

        return results;
    }
}
