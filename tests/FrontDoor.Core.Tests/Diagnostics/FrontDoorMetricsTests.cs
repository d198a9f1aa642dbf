using System.Diagnostics.Metrics;
using FrontDoor.Core.Diagnostics;
using FrontDoor.Core.Sessions;
using FrontDoor.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace FrontDoor.Core.Tests.Diagnostics;

/// <summary>
/// The "FrontDoor" meter of a real host, read in-process with a <see cref="MeterListener"/> that listens to
/// this host's meter alone (other tests' hosts have meters of the same name).
/// </summary>
public sealed class FrontDoorMetricsTests
{
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = [];

        public Recorder(Meter meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
            _listener.SetMeasurementEventCallback<int>((i, v, t, _) => Add(i, v, t));
            _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
            _listener.Start();
        }

        /// <summary>What the observable <paramref name="instrument"/> reports now for all of <paramref name="tags"/>.</summary>
        public List<double> Values(string instrument, params (string Key, string Value)[] tags)
        {
            lock (_measurements)
            {
                _measurements.Clear();
            }

            _listener.RecordObservableInstruments();
            return Recorded(instrument, tags);
        }

        /// <summary>Measurements of <paramref name="instrument"/> with all of <paramref name="tags"/> recorded so far.</summary>
        public List<double> Recorded(string instrument, params (string Key, string Value)[] tags)
        {
            lock (_measurements)
            {
                return [.. _measurements
                    .Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && Equals(v, t.Value)))
                    .Select(m => m.Value)];
            }
        }

        public void Dispose() => _listener.Dispose();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            lock (_measurements)
            {
                _measurements.Add((instrument.Name, value, copy));
            }
        }
    }

    [Fact]
    public async Task Observed_instruments_read_the_counters_the_sessions_keep()
    {
        await using var frontDoor = await TestFrontDoor.StartAsync(
            """<backends><backend name="one" endpoint="127.0.0.1:9" /><backend name="two" endpoint="127.0.0.1:9" /></backends><routing default="one" />""");
        var metrics = frontDoor.Services.GetRequiredService<FrontDoorMetrics>();
        using var recorder = new Recorder(metrics.Meter);

        // Both configured backends have a sessions series before anything happened; no relay totals yet.
        Assert.Equal([0.0], recorder.Values("frontdoor.backend.sessions", ("backend", "one")));
        Assert.Equal([0.0], recorder.Values("frontdoor.backend.sessions", ("backend", "two")));
        Assert.Empty(recorder.Values("frontdoor.relay.transferred"));
        Assert.Equal([0.0], recorder.Values("frontdoor.sessions.active"));

        var relay = frontDoor.Services.GetRequiredService<RelayCounters>().For("two");
        relay.AddToClient(120);
        relay.AddToBackend(30);
        relay.LiteralSynchronized();
        relay.CommandDrained();
        relay.Drained(4096);
        relay.CapabilityRewritten();
        relay.CapabilityRewritten();
        var backends = frontDoor.Services.GetRequiredService<BackendSessionCounter>();
        var two = new Core.Hooks.BackendTarget { Name = "two", Endpoints = [new("127.0.0.1", 9)] };
        Assert.True(backends.TryEnter(two));

        Assert.Equal([120.0], recorder.Values("frontdoor.relay.transferred", ("backend", "two"), ("direction", "to_client")));
        Assert.Equal([30.0], recorder.Values("frontdoor.relay.transferred", ("backend", "two"), ("direction", "to_backend")));
        Assert.Equal([1.0], recorder.Values("frontdoor.literals.synchronized", ("backend", "two")));
        Assert.Equal([1.0], recorder.Values("frontdoor.literals.drained", ("backend", "two")));
        Assert.Equal([4096.0], recorder.Values("frontdoor.literals.drained.size", ("backend", "two")));
        Assert.Equal([2.0], recorder.Values("frontdoor.capability.rewrites", ("backend", "two")));
        Assert.Equal([1.0], recorder.Values("frontdoor.backend.sessions", ("backend", "two")));
        backends.Leave(two);
        Assert.Equal([0.0], recorder.Values("frontdoor.backend.sessions", ("backend", "two")));
    }

    [Fact]
    public async Task Events_are_recorded_with_backend_and_result()
    {
        await using var frontDoor = await TestFrontDoor.StartAsync(
            """<backends><backend name="one" endpoint="127.0.0.1:9" /></backends><routing default="one" />""");
        var metrics = frontDoor.Services.GetRequiredService<FrontDoorMetrics>();
        using var recorder = new Recorder(metrics.Meter);

        metrics.LoginCompleted("one", LoginResults.Refused);
        metrics.LoginCompleted(null, LoginResults.Referral);
        metrics.BackendConnected("one", TimeSpan.FromMilliseconds(250));
        metrics.BackendConnectFailed("one");

        // Events are not observables: read what the listener got as they happened.
        Assert.Contains(0.25, recorder.Recorded("frontdoor.backend.connect.duration", ("backend", "one")));
        Assert.Equal([1.0], recorder.Recorded("frontdoor.backend.connect.failures", ("backend", "one")));
        Assert.Equal([1.0], recorder.Recorded("frontdoor.logins", ("backend", "one"), ("result", "refused")));
        Assert.Equal([1.0], recorder.Recorded("frontdoor.logins", ("result", "referral")));
        Assert.Contains("one", metrics.SeenBackends);
    }
}
