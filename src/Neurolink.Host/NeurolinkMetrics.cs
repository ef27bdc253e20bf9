using System.Diagnostics.Metrics;
using Neurolink.Device.Acquisition;

namespace Neurolink.Host;

/// <summary>
/// The service's metrics (meter "Neurolink"): frames, bytes, every loss counter of the
/// acquisition, the loop latency histogram, deadline misses, firing rates, stimulation sent
/// and refused. Watch them with <c>dotnet-counters monitor -n neurolink --counters Neurolink</c>.
/// </summary>
public sealed class NeurolinkMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Neurolink";

    private readonly Meter _meter;
    private readonly Histogram<double> _latency;
    private LoopRunner? _runner;

    /// <summary>Creates the instruments through the host's meter factory.</summary>
    public NeurolinkMetrics(IMeterFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _meter = factory.Create(MeterName);
        _latency = _meter.CreateHistogram<double>("neurolink.loop.latency", "us", "Last byte of a SPIKE_COUNTS frame received to its trigger handed to the transport");
        Counter("neurolink.acquisition.frames", "{frame}", "Data frames put in the acquisition ring", a => a.Frames);
        Counter("neurolink.acquisition.bytes", "By", "Bytes received from the device", a => a.Bytes);
        Counter("neurolink.acquisition.frames_lost", "{frame}", "Data frames missing by sequence number (lost or corrupted on the link)", a => a.FramesLost);
        Counter("neurolink.acquisition.crc_errors", "{error}", "Header and frame CRC failures", a => a.CrcErrors);
        Counter("neurolink.acquisition.resync_bytes", "By", "Bytes discarded while resynchronising", a => a.ResyncBytes);
        Counter("neurolink.acquisition.sequence_regressions", "{frame}", "Frames repeated or reordered (not passed on)", a => a.SequenceRegressions);
        Counter("neurolink.acquisition.device_gap_frames", "{frame}", "GAP frames: the device lost data itself", a => a.DeviceGapFrames);
        Counter("neurolink.acquisition.device_lost_frames", "{frame}", "Frames the device reported lost in GAP frames", a => a.DeviceLostFrames);
        Counter("neurolink.acquisition.device_dropped_frames", "{frame}", "Frames the device could not send (HEARTBEAT)", a => a.DeviceDroppedFrames);
        Counter("neurolink.acquisition.ring_overrun_frames", "{frame}", "Frames dropped on the host because a consumer was too slow", a => a.RingOverrunFrames);
        Counter("neurolink.acquisition.link_downs", "{event}", "Times the link went down", a => a.LinkDowns);
        Counter("neurolink.acquisition.reconnects", "{event}", "Times acquisition resumed after the link went down", a => a.Reconnects);
        Counter("neurolink.acquisition.link_down_samples", "{sample}", "Device samples not acquired while the link was down", a => a.LinkDownSamples);
        Counter("neurolink.acquisition.device_errors", "{error}", "ERROR frames the device sent", a => a.DeviceErrors);
        LoopCounter("neurolink.loop.frames", "{frame}", "SPIKE_COUNTS frames run through the mass", c => c.Frames);
        LoopCounter("neurolink.loop.deadline_misses", "{frame}", "Frames not finished before the next arrived", c => c.DeadlineMisses);
        LoopCounter("neurolink.loop.steps", "{step}", "Mass steps run", c => c.Steps);
        LoopCounter("neurolink.stim.sent", "{trigger}", "Program triggers handed to the transport", c => c.StimSent);
        LoopCounter("neurolink.stim.refused", "{trigger}", "Triggers refused by the host (link down, program not armed) or the device", c => c.StimRefused);
        LoopCounter("neurolink.stim.acknowledged", "{trigger}", "Triggers the device acknowledged", c => c.StimAcknowledged);
        LoopCounter("neurolink.stim.suppressed", "{spike}", "Output spikes within their program's refractory period", c => c.StimSuppressed);
        _meter.CreateObservableGauge("neurolink.mass.firing_rate", Rates, "Hz", "Mean firing rate of each population since the start");
    }

    /// <summary>Records a frame's latency (from the loop thread).</summary>
    public void RecordLatency(double microseconds) => _latency.Record(microseconds);

    /// <summary>Points the observable instruments at a run.</summary>
    public void Observe(LoopRunner runner) => Volatile.Write(ref _runner, runner);

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    private void Counter(string name, string unit, string description, Func<AcquisitionCounters, long> value) =>
        _meter.CreateObservableCounter(name, () => Volatile.Read(ref _runner)?.Session is { } s ? value(s.Counters) : 0L, unit, description);

    private void LoopCounter(string name, string unit, string description, Func<LoopCounters, long> value) =>
        _meter.CreateObservableCounter(name, () => Volatile.Read(ref _runner)?.Loop is { } l ? value(l.Counters) : 0L, unit, description);

    private IEnumerable<Measurement<double>> Rates()
    {
        if (Volatile.Read(ref _runner) is not { } runner)
        {
            yield break;
        }

        foreach ((string population, double hz) in runner.RatesHz())
        {
            yield return new Measurement<double>(hz, new KeyValuePair<string, object?>("population", population));
        }
    }
}
