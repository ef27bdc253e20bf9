using Neurolink.Emulator.Tissue;

namespace Neurolink.Emulator;

/// <summary>A fault the emulator injected on purpose, where, and into which frame.</summary>
/// <param name="Kind">The fault kind, as in the fault plan ("bitflip", "drop", "disconnect", ...).</param>
/// <param name="Clock">Device sample clock when it was injected.</param>
/// <param name="FrameType">Type of the frame affected, or 0.</param>
/// <param name="Stream">Stream of the frame affected.</param>
/// <param name="Sequence">Sequence number of the frame affected.</param>
/// <param name="Detail">Kind-specific: bytes affected, stall milliseconds, and so on.</param>
public readonly record struct InjectedFault(string Kind, ulong Clock, byte FrameType, ushort Stream, uint Sequence, long Detail);

/// <summary>A control command the firmware carried out (START, STOP, STIM_ARM, STIM_TRIGGER, STIM_DISARM), in the order it did.</summary>
/// <param name="Command">The frame type, as SPEC names it: "START", "STOP", "STIM_ARM", "STIM_TRIGGER", "STIM_DISARM".</param>
/// <param name="Clock">The device sample clock then.</param>
/// <param name="Program">The stimulation program it named (0xFFFF: all), or 0.</param>
public readonly record struct ControlEvent(string Command, ulong Clock, ushort Program);

/// <summary>A stimulation pulse the device delivered, and the neurons it recruited.</summary>
public readonly record struct DeliveredPulse(ulong Sample, int Channel, double AmplitudeUa, int[] Recruited);

/// <summary>
/// What really happened in the emulator, for tests and rig scripts to compare with what the
/// host saw: true spikes, the hidden signal, every fault injected, every frame dropped on
/// purpose or by the FIFO, every stimulation pulse. Safe to read from another thread.
/// </summary>
public sealed class GroundTruth
{
    private readonly object _gate = new();
    private readonly List<Spike> _spikes = [];
    private readonly List<(ulong Sample, double X, double Y)> _signal = [];
    private readonly List<InjectedFault> _faults = [];
    private readonly List<DeliveredPulse> _pulses = [];
    private readonly List<ControlEvent> _control = [];
    private long _framesSent;
    private long _fifoDroppedFrames;
    private long _fifoDroppedSamples;

    /// <summary>Creates an empty record; spikes and the hidden signal are kept only when asked, as they are large.</summary>
    public GroundTruth(bool recordSpikesAndSignal = false, bool recordSignal = false)
    {
        RecordsSpikesAndSignal = recordSpikesAndSignal;
        RecordsSignal = recordSpikesAndSignal || recordSignal;
    }

    /// <summary>True when every spike and the hidden signal are kept.</summary>
    public bool RecordsSpikesAndSignal { get; }

    /// <summary>True when the hidden signal is kept (24 bytes a millisecond), with or without the spikes.</summary>
    public bool RecordsSignal { get; }

    /// <summary>A copy of the true spikes so far (empty unless recorded).</summary>
    public Spike[] Spikes() { lock (_gate) { return [.. _spikes]; } }

    /// <summary>A copy of the hidden signal so far, one value per millisecond (empty unless recorded).</summary>
    public (ulong Sample, double X, double Y)[] Signal() { lock (_gate) { return [.. _signal]; } }

    /// <summary>
    /// The hidden signal in the millisecond that holds <paramref name="sample"/> (a SPIKE_COUNTS
    /// frame's sample clock; the device's bins need not start where the tissue's milliseconds
    /// do), when it has been recorded that far: the cue of a calibration.
    /// </summary>
    public bool TrySignalAt(ulong sample, out double x, out double y)
    {
        lock (_gate)
        {
            // Recorded in order of sample, one a millisecond: the last one at or before the sample, by binary search.
            int lo = 0, hi = _signal.Count - 1, found = -1;
            while (lo <= hi)
            {
                int mid = (int)(((uint)lo + (uint)hi) >> 1);
                if (_signal[mid].Sample <= sample)
                {
                    found = mid;
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            // The sample lies in that millisecond if another starts after it, or if it is within a millisecond of the last.
            ulong millisecond = _signal.Count >= 2 ? _signal[1].Sample - _signal[0].Sample : 0;
            if (found >= 0 && (found + 1 < _signal.Count || sample - _signal[found].Sample < millisecond))
            {
                (_, x, y) = _signal[found];
                return true;
            }
        }

        x = y = 0;
        return false;
    }

    /// <summary>A copy of the faults injected so far.</summary>
    public InjectedFault[] Faults() { lock (_gate) { return [.. _faults]; } }

    /// <summary>A copy of the stimulation pulses delivered so far.</summary>
    public DeliveredPulse[] Pulses() { lock (_gate) { return [.. _pulses]; } }

    /// <summary>Every control command carried out (acknowledged), in order: what the host made the device do.</summary>
    public ControlEvent[] Control() { lock (_gate) { return [.. _control]; } }

    /// <summary>Frames put on the link (after the FIFO, before link faults).</summary>
    public long FramesSent { get { lock (_gate) { return _framesSent; } } }

    /// <summary>Data frames the device FIFO dropped because the host read too slowly (reported in GAP frames).</summary>
    public long FifoDroppedFrames { get { lock (_gate) { return _fifoDroppedFrames; } } }

    /// <summary>Samples in those frames.</summary>
    public long FifoDroppedSamples { get { lock (_gate) { return _fifoDroppedSamples; } } }

    internal void AddSpike(Spike spike)
    {
        if (RecordsSpikesAndSignal)
        {
            lock (_gate)
            {
                _spikes.Add(spike);
            }
        }
    }

    internal void AddSignal(ulong sample, double x, double y)
    {
        if (RecordsSignal)
        {
            lock (_gate)
            {
                _signal.Add((sample, x, y));
            }
        }
    }

    internal void AddFault(InjectedFault fault) { lock (_gate) { _faults.Add(fault); } }

    internal void AddPulse(DeliveredPulse pulse) { lock (_gate) { _pulses.Add(pulse); } }

    internal void AddControl(ControlEvent e) { lock (_gate) { _control.Add(e); } }

    internal void FrameSent() { lock (_gate) { _framesSent++; } }

    internal void FifoDropped(long samples)
    {
        lock (_gate)
        {
            _fifoDroppedFrames++;
            _fifoDroppedSamples += samples;
        }
    }
}
