using Neurolink.Protocol.Payloads;

namespace Neurolink.Host;

/// <summary>
/// How output spikes become stimulation: output neuron k triggers program k mod
/// <see cref="Programs"/>; program p is a biphasic pulse train armed ahead on channel
/// <see cref="FirstChannel"/> + p x <see cref="ChannelStride"/> (by default spread evenly over
/// the device's channels), and is not triggered again within <see cref="RefractoryMs"/> of its
/// last trigger.
/// </summary>
public sealed record class StimulationOptions
{
    /// <summary>Whether the loop stimulates at all (false: it runs open loop, counting what it would have sent).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Programs armed (one per stimulating channel), 1 to 256.</summary>
    public int Programs { get; init; } = 16;

    /// <summary>Channel of program 0.</summary>
    public int FirstChannel { get; init; }

    /// <summary>Channels between consecutive programs' channels; 0 (the default): the device's channels divided by <see cref="Programs"/>.</summary>
    public int ChannelStride { get; init; }

    /// <summary>Amplitude of each phase, microamps (cathodic first).</summary>
    public double AmplitudeUa { get; init; } = 10;

    /// <summary>Width of each phase, microseconds.</summary>
    public int PhaseWidthUs { get; init; } = 100;

    /// <summary>Gap between the phases, microseconds.</summary>
    public int InterphaseGapUs { get; init; } = 50;

    /// <summary>Pulses per trigger.</summary>
    public int PulseCount { get; init; } = 1;

    /// <summary>Pulse rate within a train, Hz.</summary>
    public int PulseRateHz { get; init; } = 100;

    /// <summary>Shortest time between two triggers of one program, ms.</summary>
    public double RefractoryMs { get; init; } = 50;

    /// <summary>The pulse-train program of slot <paramref name="id"/>.</summary>
    public StimProgram Program(ushort id)
    {
        int na = (int)Math.Round(AmplitudeUa * 1000);
        return new StimProgram(id, -na, na, (uint)PhaseWidthUs, (uint)InterphaseGapUs, (uint)PhaseWidthUs, (uint)PulseCount, (uint)PulseRateHz);
    }

    /// <summary>The channel program <paramref name="id"/> stimulates on a device of <paramref name="channels"/> channels.</summary>
    public int Channel(int id, long channels) => FirstChannel + (id * (ChannelStride > 0 ? ChannelStride : (int)Math.Max(1, (channels - FirstChannel) / Programs)));

    /// <summary>Every problem with these settings, each naming its field (empty when valid).</summary>
    public IEnumerable<string> Problems(string prefix)
    {
        if (Programs is < 1 or > 256)
        {
            yield return $"{prefix}Programs is {Programs}: it must be 1 to 256";
        }

        if (FirstChannel is < 0 or > ushort.MaxValue || ChannelStride < 0 || (long)FirstChannel + ((long)Math.Max(0, Programs - 1) * ChannelStride) > ushort.MaxValue)
        {
            yield return $"{prefix}FirstChannel {FirstChannel} and ChannelStride {ChannelStride} put program {Programs - 1} on channel {(long)FirstChannel + ((long)(Programs - 1) * ChannelStride)}: channels are 0 to 65535 (and must exist on the device)";
        }

        if (!(AmplitudeUa > 0) || AmplitudeUa > 1000)
        {
            yield return $"{prefix}AmplitudeUa is {AmplitudeUa}: it must be above 0 and at most 1000 (the device's own limit is checked when arming)";
        }

        if (PhaseWidthUs is < 1 or > 10_000)
        {
            yield return $"{prefix}PhaseWidthUs is {PhaseWidthUs}: it must be 1 to 10000";
        }

        if (InterphaseGapUs is < 0 or > 10_000)
        {
            yield return $"{prefix}InterphaseGapUs is {InterphaseGapUs}: it must be 0 to 10000";
        }

        if (PulseCount is < 1 or > 1000)
        {
            yield return $"{prefix}PulseCount is {PulseCount}: it must be 1 to 1000";
        }

        if (PulseRateHz is < 1 or > 10_000)
        {
            yield return $"{prefix}PulseRateHz is {PulseRateHz}: it must be 1 to 10000";
        }

        double trainMs = PulseCount > 1 ? (PulseCount - 1) * 1000.0 / Math.Max(1, PulseRateHz) : 0;
        if (!(RefractoryMs >= 1) || RefractoryMs < trainMs)
        {
            yield return $"{prefix}RefractoryMs is {RefractoryMs}: it must be at least 1 ms and at least the train's length ({trainMs:0.###} ms), so a program is never triggered while its train runs";
        }
    }
}

/// <summary>Told of each trigger handed to the transport, on the loop thread: the device sample it answers (the end of the frame) and the programs.</summary>
public delegate void TriggerHandler(ulong sampleClock, ReadOnlySpan<ushort> programs);

/// <summary>Told of each SPIKE_COUNTS frame on the loop thread, after its counts are injected into the mass and before the mass steps: a learning task computes its reward here.</summary>
public delegate void FrameHandler(ulong sampleClock, in SpikeCounts counts);

/// <summary>The closed loop's settings.</summary>
public sealed record class ClosedLoopOptions
{
    /// <summary>Stimulation policy and programs.</summary>
    public StimulationOptions Stimulation { get; init; } = new();

    /// <summary>Steps the mass advances per millisecond of device time comes from the network's dt; this caps the steps one frame may ask for.</summary>
    public int MaxStepsPerFrame { get; init; } = 10_000;

    /// <summary>
    /// Run the frames on the thread that received them (true): the loop has no thread of its own,
    /// and the reader calls <see cref="ClosedLoop.Drain"/> after each read
    /// (<see cref="Device.Acquisition.AcquisitionSession.AfterFrames"/>), so no second thread is
    /// woken per frame. False: the loop's own thread waits on the ring.
    /// </summary>
    public bool OnReaderThread { get; init; }

    /// <summary>
    /// How long the loop thread polls for the next frame before it blocks, microseconds (0: it
    /// blocks at once). Polling saves the wake-up but holds a core: for a machine with one to
    /// spare. For a loop on its own thread only.
    /// </summary>
    public int PollMicroseconds { get; init; }

    /// <summary>The CPU the loop thread is pinned to on Linux (-1: not pinned); the reader's, so a frame is handed over on one core. See <see cref="Device.ThreadPinning"/>.</summary>
    public int Cpu { get; init; } = -1;

    /// <summary>SCHED_FIFO priority of the loop thread on Linux (0: ordinary scheduling); see <see cref="Device.RealtimeScheduling"/>.</summary>
    public int RealtimePriority { get; init; }

    /// <summary>Told of each trigger sent (the recorder's stimulation events); null: none.</summary>
    public TriggerHandler? OnTrigger { get; init; }

    /// <summary>Told of each frame before the mass steps (a task's reward); null: none.</summary>
    public FrameHandler? OnFrame { get; init; }

    /// <summary>
    /// Told, after each frame's stimulation has been sent, the sample up to which every frame has
    /// been handled (the frame's clock plus its bin), and 0 once when the loop is ready for its
    /// first frame: the lockstep emulator's pace (<see cref="Emulator.HostPace.Report"/>); null: none.
    /// </summary>
    public Action<ulong>? OnHandled { get; init; }

    /// <summary>Receives each frame's latency in microseconds, on the loop thread (for a metrics histogram); null: none.</summary>
    public Action<double>? OnLatency { get; init; }
}
