namespace Neurolink.Emulator;

/// <summary>How the emulator's sample clock relates to wall time.</summary>
public enum EmulatorClock
{
    /// <summary>
    /// As fast as the host reads: time exists only while acquiring, the link never overflows,
    /// and the same seed and host requests give a byte-identical stream. For tests and benchmarks.
    /// </summary>
    Virtual,

    /// <summary>
    /// Real time: samples are made at the sample rate (times the drift fault), heartbeats run
    /// while idle, and a host that reads too slowly overflows the device FIFO (GAP frames).
    /// </summary>
    Paced,

    /// <summary>
    /// Simulated time in step with the host's closed loop (in process only): the device makes its
    /// next spike bin only after the loop has handled the one before and sent its stimulation
    /// (<see cref="HostPace"/>), so a pulse lands at the start of the next bin however long the
    /// host took. Faster than real time when the host is; for learning experiments, not for
    /// measuring latency or losses.
    /// </summary>
    Lockstep,
}
