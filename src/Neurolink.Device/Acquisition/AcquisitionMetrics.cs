using System.Diagnostics.Metrics;

namespace Neurolink.Device.Acquisition;

/// <summary>
/// A session's counters as <see cref="System.Diagnostics.Metrics"/> instruments on the meter
/// <c>Neurolink.Acquisition</c> (see them live with <c>dotnet-counters monitor -n neurolink
/// --counters Neurolink.Acquisition</c>). Every loss cause is its own counter.
/// </summary>
public sealed class AcquisitionMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Neurolink.Acquisition";

    private readonly Meter _meter;

    /// <summary>Publishes <paramref name="session"/>'s counters; <paramref name="factory"/> is the host's meter factory, if there is one.</summary>
    public AcquisitionMetrics(AcquisitionSession session, IMeterFactory? factory = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        AcquisitionSession s = session;
        Counter("neurolink.acquisition.frames", "{frame}", "Data frames put in the acquisition ring", () => s.Counters.Frames);
        Counter("neurolink.acquisition.bytes", "By", "Bytes received from the link", () => s.Counters.Bytes);
        Counter("neurolink.link.frames_lost", "{frame}", "Frames missing by sequence number (lost or corrupted on the link)", () => s.Counters.FramesLost);
        Counter("neurolink.link.sequence_gaps", "{gap}", "Times a stream's sequence number jumped forward", () => s.Counters.SequenceGaps);
        Counter("neurolink.link.crc_errors", "{frame}", "Header and frame CRC failures", () => s.Counters.CrcErrors);
        Counter("neurolink.link.resync_bytes", "By", "Bytes discarded while resynchronising", () => s.Counters.ResyncBytes);
        Counter("neurolink.device.gap_frames", "{frame}", "GAP frames: the device lost data itself", () => s.Counters.DeviceGapFrames);
        Counter("neurolink.device.lost_samples", "{sample}", "Samples the device reported lost in GAP frames", () => s.Counters.DeviceLostSamples);
        Counter("neurolink.device.dropped_frames", "{frame}", "Frames the device could not send (HEARTBEAT)", () => s.Counters.DeviceDroppedFrames);
        Counter("neurolink.ring.overrun_frames", "{frame}", "Frames dropped on the host: a consumer was too slow", () => s.Counters.RingOverrunFrames);
        _meter.CreateObservableCounter("neurolink.ring.wait_time", () => s.Counters.RingWaitSeconds, "s", "Time the reader waited for a slow consumer");
        Counter("neurolink.link.downs", "{event}", "Times the link went down", () => s.Counters.LinkDowns);
        Counter("neurolink.link.reconnects", "{event}", "Times acquisition resumed after the link went down", () => s.Counters.Reconnects);
        Counter("neurolink.link.down_samples", "{sample}", "Device samples not acquired while the link was down", () => s.Counters.LinkDownSamples);
        _meter.CreateObservableGauge("neurolink.link.rtt_p50", () => s.RoundTripMicroseconds(0.5), "us", "PING round trip, median of the last 4096");
        _meter.CreateObservableGauge("neurolink.link.rtt_p99", () => s.RoundTripMicroseconds(0.99), "us", "PING round trip, 99th percentile of the last 4096");
        _meter.CreateObservableGauge("neurolink.clock.drift_ppm", () => s.Clock?.DriftPpm ?? double.NaN, "ppm", "Device sample clock drift against nominal");
    }

    /// <summary>Removes the instruments.</summary>
    public void Dispose() => _meter.Dispose();

    private void Counter(string name, string unit, string description, Func<long> read) =>
        _meter.CreateObservableCounter(name, read, unit, description);
}
