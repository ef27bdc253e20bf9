namespace Neurolink.Protocol;

/// <summary>
/// Register addresses of protocol v1 (SPEC section 5). Per-channel registers are reached
/// through <see cref="Registers.ChannelEnable"/> and <see cref="Registers.SpikeThreshold"/>.
/// </summary>
#pragma warning disable CA1028 // Addresses are 32-bit on the wire.
public enum Register : uint
#pragma warning restore CA1028
{
    /// <summary>RO: device kind, as in CAPABILITIES.</summary>
    DeviceKind = 0x0000,
    /// <summary>RO: firmware version, as in CAPABILITIES.</summary>
    FirmwareVersion = 0x0001,
    /// <summary>RO: number of recording channels.</summary>
    ChannelCount = 0x0002,
    /// <summary>RO: 1 while acquiring.</summary>
    Acquiring = 0x0003,
    /// <summary>RW while stopped: sample rate in Hz, one of CAPABILITIES' sample rates.</summary>
    SampleRateHz = 0x0010,
    /// <summary>RW while stopped: samples per RAW_SAMPLES frame, 1..1024; default 32.</summary>
    RawSamplesPerFrame = 0x0011,
    /// <summary>RW while stopped: spike bin width in microseconds, 100..100 000, a whole number of samples; default 1000.</summary>
    SpikeBinUs = 0x0012,
    /// <summary>RW: heartbeat period in ms, 0 (off) or 10..10 000; default 100.</summary>
    HeartbeatPeriodMs = 0x0013,
    /// <summary>RW: refractory period of spike detection in microseconds, 0..10 000; default 1000.</summary>
    SpikeRefractoryUs = 0x0014,
    /// <summary>First of the CHANNEL_ENABLE words: word k enables channels 32k..32k+31.</summary>
    ChannelEnableBase = 0x0100,
    /// <summary>RW: stimulation master switch, 0 or 1; default 0.</summary>
    StimEnable = 0x2000,
    /// <summary>RW: amplitude limit in force, nanoamps, 1..hardware limit.</summary>
    StimMaxAmplitudeNa = 0x2001,
    /// <summary>RW: charge-per-phase limit in force, picocoulombs, 1..hardware limit.</summary>
    StimMaxChargePc = 0x2002,
    /// <summary>RW: pulse-rate limit in force, Hz, 1..hardware limit.</summary>
    StimMaxPulseRateHz = 0x2003,
    /// <summary>RW: phase-width limit in force, microseconds, 1..hardware limit.</summary>
    StimMaxPhaseWidthUs = 0x2004,
    /// <summary>First of the SPIKE_THRESHOLD registers: 0x10000 + channel.</summary>
    SpikeThresholdBase = 0x10000,
}
