using Neurolink.Protocol.Payloads;

namespace Neurolink.Emulator.Firmware;

/// <summary>One pulse of an armed train, due at a sample clock.</summary>
public readonly record struct ScheduledPulse(ulong Sample, ushort ProgramId, int Generation);

/// <summary>
/// The stimulator of the firmware model: program slots armed ahead, checked against the limits
/// in force when armed (SPEC 4.12 and section 8), fired by triggers into a schedule of pulses.
/// </summary>
public sealed class Stimulator
{
    private readonly Slot?[] _slots;
    private readonly int _channels;
    private readonly PriorityQueue<ScheduledPulse, ulong> _schedule = new();
    private int _generation;

    /// <summary>Creates a stimulator with hardware limits; the limits in force start at them.</summary>
    public Stimulator(int programs, int channels, uint maxAmplitudeNa, uint maxPhaseWidthUs, uint maxChargePc, uint maxPulseRateHz)
    {
        _slots = new Slot?[programs];
        _channels = channels;
        HardwareAmplitudeNa = MaxAmplitudeNa = maxAmplitudeNa;
        HardwarePhaseWidthUs = MaxPhaseWidthUs = maxPhaseWidthUs;
        HardwareChargePc = MaxChargePc = maxChargePc;
        HardwarePulseRateHz = MaxPulseRateHz = maxPulseRateHz;
    }

    /// <summary>Hardware limit, nA.</summary>
    public uint HardwareAmplitudeNa { get; }

    /// <summary>Hardware limit, us.</summary>
    public uint HardwarePhaseWidthUs { get; }

    /// <summary>Hardware limit, pC.</summary>
    public uint HardwareChargePc { get; }

    /// <summary>Hardware limit, Hz.</summary>
    public uint HardwarePulseRateHz { get; }

    /// <summary>Limit in force, nA.</summary>
    public uint MaxAmplitudeNa { get; set; }

    /// <summary>Limit in force, us.</summary>
    public uint MaxPhaseWidthUs { get; set; }

    /// <summary>Limit in force, pC.</summary>
    public uint MaxChargePc { get; set; }

    /// <summary>Limit in force, Hz.</summary>
    public uint MaxPulseRateHz { get; set; }

    /// <summary>The STIM_ENABLE master switch.</summary>
    public bool Enabled { get; set; }

    /// <summary>Number of program slots.</summary>
    public int ProgramCount => _slots.Length;

    /// <summary>The sample of the next scheduled pulse, or ulong.MaxValue.</summary>
    public ulong NextPulse => _schedule.TryPeek(out _, out ulong at) ? at : ulong.MaxValue;

    /// <summary>True while pulses are scheduled.</summary>
    public bool Active => _schedule.Count > 0;

    /// <summary>Checks a program against the limits in force and stores it; null when accepted.</summary>
    public StimRefusalDetail? Arm(StimProgram p, ReadOnlySpan<ushort> channels)
    {
        StimRefusalDetail? refusal = Check(p, channels);
        if (refusal is null)
        {
            _slots[p.ProgramId] = new Slot(p, channels.ToArray(), ++_generation);
        }

        return refusal;
    }

    /// <summary>
    /// Fires programs together at <paramref name="start"/> (now when null): checks the switch,
    /// the slots and the time, and schedules every pulse; null when accepted.
    /// </summary>
    public StimRefusalDetail? Trigger(ReadOnlySpan<ushort> programIds, ulong now, ulong? start, int sampleRateHz)
    {
        if (!Enabled)
        {
            return new StimRefusalDetail(StimRefusal.StimDisabled, 0, 0);
        }

        foreach (ushort id in programIds)
        {
            if (id >= _slots.Length)
            {
                return new StimRefusalDetail(StimRefusal.ProgramSlotOutOfRange, (uint)_slots.Length, id);
            }

            if (_slots[id] is null)
            {
                return new StimRefusalDetail(StimRefusal.UnknownProgram, (uint)_slots.Length, id);
            }
        }

        ulong at = start ?? now;
        if (at < now)
        {
            return new StimRefusalDetail(StimRefusal.TriggerInPast, (uint)now, (uint)at);
        }

        foreach (ushort id in programIds)
        {
            Slot slot = _slots[id]!;
            double periodSamples = (double)sampleRateHz / slot.Program.PulseRateHz;
            for (uint k = 0; k < slot.Program.PulseCount; k++)
            {
                ulong sample = at + (ulong)Math.Round(k * periodSamples);
                _schedule.Enqueue(new ScheduledPulse(sample, id, slot.Generation), sample);
            }
        }

        return null;
    }

    /// <summary>Clears a slot (or all, with <see cref="StimDisarm.All"/>); their pending pulses are cancelled.</summary>
    public StimRefusalDetail? Disarm(ushort id)
    {
        if (id == StimDisarm.All)
        {
            Array.Clear(_slots);
            _schedule.Clear();
            return null;
        }

        if (id >= _slots.Length)
        {
            return new StimRefusalDetail(StimRefusal.ProgramSlotOutOfRange, (uint)_slots.Length, id);
        }

        _slots[id] = null;
        return null;
    }

    /// <summary>Disarms every program that the limits in force no longer allow (after a limit was lowered).</summary>
    public void RecheckArmed()
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            if (_slots[i] is Slot slot && Check(slot.Program, slot.Channels) is not null)
            {
                _slots[i] = null;
            }
        }
    }

    /// <summary>Takes the next pulse due at or before <paramref name="now"/> whose program is still armed as it was.</summary>
    public bool TryTakeDue(ulong now, out StimProgram program, out IReadOnlyList<ushort> channels, out ulong sample)
    {
        while (_schedule.TryPeek(out ScheduledPulse pulse, out ulong at) && at <= now)
        {
            _schedule.Dequeue();
            if (_slots[pulse.ProgramId] is Slot slot && slot.Generation == pulse.Generation)
            {
                program = slot.Program;
                channels = slot.Channels;
                sample = at;
                return true;
            }
        }

        program = default;
        channels = [];
        sample = 0;
        return false;
    }

    private StimRefusalDetail? Check(StimProgram p, ReadOnlySpan<ushort> channels) =>
        StimSafety.CheckArm(p, channels, new StimLimits(MaxAmplitudeNa, MaxPhaseWidthUs, MaxChargePc, MaxPulseRateHz), _slots.Length, _channels, static _ => true);

    private sealed record Slot(StimProgram Program, ushort[] Channels, int Generation);
}
