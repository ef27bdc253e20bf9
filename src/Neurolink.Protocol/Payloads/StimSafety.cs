namespace Neurolink.Protocol.Payloads;

/// <summary>Why a stimulation request was refused, with the limit and the value that broke it (SPEC section 8).</summary>
/// <param name="Reason">The first check that failed.</param>
/// <param name="Limit">The limit in force.</param>
/// <param name="Actual">The value that broke it.</param>
/// <param name="Channel">The offending channel, or <see cref="StimNack.NoChannel"/>.</param>
public readonly record struct StimRefusalDetail(StimRefusal Reason, uint Limit, uint Actual, ushort Channel = StimNack.NoChannel);

/// <summary>Stimulation limits in force: amplitude nA, phase width us, charge per phase pC, pulse rate Hz.</summary>
public readonly record struct StimLimits(uint MaxAmplitudeNa, uint MaxPhaseWidthUs, uint MaxChargePc, uint MaxPulseRateHz);

/// <summary>
/// The STIM_ARM checks of SPEC section 8, in the SPEC's order. The device runs them when a
/// program is armed; the host runs the same ones before it sends, so an unsafe program never
/// leaves the host and a device refusal means the two disagree.
/// </summary>
public static class StimSafety
{
    /// <summary>Checks a program; null when every check passes.</summary>
    /// <param name="p">The program.</param>
    /// <param name="channels">The channels it stimulates.</param>
    /// <param name="limits">The limits in force.</param>
    /// <param name="programSlots">Number of program slots (max_stim_programs).</param>
    /// <param name="channelCount">Number of channels.</param>
    /// <param name="canStimulate">Whether a channel can stimulate (CAPABILITIES stim_mask).</param>
    public static StimRefusalDetail? CheckArm(StimProgram p, ReadOnlySpan<ushort> channels, StimLimits limits, int programSlots, int channelCount, Func<int, bool> canStimulate)
    {
        ArgumentNullException.ThrowIfNull(canStimulate);
        if (p.PulseCount == 0 || p.PulseRateHz == 0 || channels.IsEmpty)
        {
            return new StimRefusalDetail(StimRefusal.Malformed, 1, 0);
        }

        if (p.ProgramId >= programSlots)
        {
            return new StimRefusalDetail(StimRefusal.ProgramSlotOutOfRange, (uint)programSlots, p.ProgramId);
        }

        if (!p.IsChargeBalanced)
        {
            return new StimRefusalDetail(StimRefusal.NotChargeBalanced, Saturate(p.Phase2ChargeNaUs), Saturate(p.Phase1ChargeNaUs));
        }

        uint amplitude = (uint)Math.Max(Math.Abs((long)p.Phase1AmplitudeNa), Math.Abs((long)p.Phase2AmplitudeNa));
        if (amplitude > limits.MaxAmplitudeNa)
        {
            return new StimRefusalDetail(StimRefusal.AmplitudeOverLimit, limits.MaxAmplitudeNa, amplitude);
        }

        uint width = Math.Max(p.Phase1WidthUs, p.Phase2WidthUs);
        if (width > limits.MaxPhaseWidthUs)
        {
            return new StimRefusalDetail(StimRefusal.WidthOverLimit, limits.MaxPhaseWidthUs, width);
        }

        long chargeNaUs = Math.Max(p.Phase1ChargeNaUs, p.Phase2ChargeNaUs);
        if (chargeNaUs > (long)limits.MaxChargePc * 1000)
        {
            return new StimRefusalDetail(StimRefusal.ChargeOverLimit, limits.MaxChargePc, Saturate((chargeNaUs + 999) / 1000));
        }

        if (p.PulseRateHz > limits.MaxPulseRateHz)
        {
            return new StimRefusalDetail(StimRefusal.RateOverLimit, limits.MaxPulseRateHz, p.PulseRateHz);
        }

        long pulseUs = (long)p.Phase1WidthUs + p.InterphaseGapUs + p.Phase2WidthUs;
        long periodUs = 1_000_000 / p.PulseRateHz;
        if (pulseUs > periodUs)
        {
            return new StimRefusalDetail(StimRefusal.PulseDoesNotFit, (uint)periodUs, Saturate(pulseUs));
        }

        foreach (ushort c in channels)
        {
            if (c >= channelCount || !canStimulate(c))
            {
                return new StimRefusalDetail(StimRefusal.ChannelNotStimulable, (uint)channelCount, c, c);
            }
        }

        return null;
    }

    /// <summary>A sentence for a refusal: what broke which limit.</summary>
    public static string Describe(StimRefusalDetail r) => r.Reason switch
    {
        StimRefusal.NotChargeBalanced => $"the program is not charge-balanced: phase 1 carries {r.Actual} nA x us, phase 2 {r.Limit}; make |a1| x w1 equal |a2| x w2 with opposite signs",
        StimRefusal.AmplitudeOverLimit => $"the amplitude {r.Actual} nA is over the limit of {r.Limit} nA",
        StimRefusal.ChargeOverLimit => $"the charge per phase {r.Actual} pC is over the limit of {r.Limit} pC",
        StimRefusal.RateOverLimit => $"the pulse rate {r.Actual} Hz is over the limit of {r.Limit} Hz",
        StimRefusal.WidthOverLimit => $"the phase width {r.Actual} us is over the limit of {r.Limit} us",
        StimRefusal.ChannelNotStimulable => $"channel {r.Actual} cannot stimulate (the device has {r.Limit} channels; see its stimulation mask)",
        StimRefusal.UnknownProgram => $"program {r.Actual} is not armed",
        StimRefusal.StimDisabled => "stimulation is disabled on the device (STIM_ENABLE is 0)",
        StimRefusal.ProgramSlotOutOfRange => $"program slot {r.Actual} does not exist (the device has {r.Limit})",
        StimRefusal.TriggerInPast => "the trigger time has already passed on the device clock",
        StimRefusal.PulseDoesNotFit => $"one pulse lasts {r.Actual} us, longer than its period of {r.Limit} us at that rate",
        StimRefusal.Malformed => "the request was malformed (a pulse count or rate of 0, or no channel)",
        _ => $"refused with reason {(ushort)r.Reason}",
    };

    private static uint Saturate(long value) => (uint)Math.Clamp(value, 0, uint.MaxValue);
}
