namespace Neurolink.Protocol.Payloads;

/// <summary>The parameters of a biphasic pulse-train program (SPEC 4.12).</summary>
/// <param name="ProgramId">Slot, 0 .. max_stim_programs - 1.</param>
/// <param name="Phase1AmplitudeNa">First phase amplitude in nanoamps; negative = cathodic.</param>
/// <param name="Phase2AmplitudeNa">Second phase amplitude in nanoamps, opposite sign.</param>
/// <param name="Phase1WidthUs">First phase width, microseconds.</param>
/// <param name="InterphaseGapUs">Gap between the phases, microseconds.</param>
/// <param name="Phase2WidthUs">Second phase width, microseconds.</param>
/// <param name="PulseCount">Pulses in the train, at least 1.</param>
/// <param name="PulseRateHz">Pulses per second within the train, at least 1.</param>
public readonly record struct StimProgram(
    ushort ProgramId,
    int Phase1AmplitudeNa,
    int Phase2AmplitudeNa,
    uint Phase1WidthUs,
    uint InterphaseGapUs,
    uint Phase2WidthUs,
    uint PulseCount,
    uint PulseRateHz)
{
    /// <summary>Charge of the first phase in nA x us (femtocoulombs).</summary>
    public long Phase1ChargeNaUs => Math.Abs((long)Phase1AmplitudeNa) * Phase1WidthUs;

    /// <summary>Charge of the second phase in nA x us (femtocoulombs).</summary>
    public long Phase2ChargeNaUs => Math.Abs((long)Phase2AmplitudeNa) * Phase2WidthUs;

    /// <summary>True when the phases have opposite signs and exactly equal charge.</summary>
    public bool IsChargeBalanced =>
        (long)Phase1AmplitudeNa * Phase2AmplitudeNa < 0 && Phase1ChargeNaUs == Phase2ChargeNaUs;
}
