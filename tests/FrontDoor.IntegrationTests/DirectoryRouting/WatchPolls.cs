using System.Diagnostics.Metrics;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FrontDoor.IntegrationTests.DirectoryRouting;

/// <summary>
/// Counts one FrontDoor's directory watch polls (frontdoor.directory.watch.polls, from its own meter factory),
/// so a test can wait until the watch has surely looked at a change.
/// </summary>
internal sealed class WatchPolls : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _count;

    public WatchPolls(TestFrontDoor frontDoor)
    {
        var factory = frontDoor.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "frontdoor.directory.watch.polls" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
        _listener.Start();
    }

    public long Count => Interlocked.Read(ref _count);

    public void Dispose() => _listener.Dispose();
}
