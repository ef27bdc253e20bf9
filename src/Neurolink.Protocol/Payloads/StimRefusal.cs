namespace Neurolink.Protocol.Payloads;

/// <summary>STIM_NACK reasons (SPEC section 8), in the order the checks run.</summary>
#pragma warning disable CA1028 // The wire field is 16 bits.
public enum StimRefusal : ushort
#pragma warning restore CA1028
{
    /// <summary>Phases not of opposite sign, or their charges differ.</summary>
    NotChargeBalanced = 1,
    /// <summary>A phase amplitude is over the limit in force.</summary>
    AmplitudeOverLimit = 2,
    /// <summary>Charge per phase is over the limit in force.</summary>
    ChargeOverLimit = 3,
    /// <summary>Pulse rate is over the limit in force.</summary>
    RateOverLimit = 4,
    /// <summary>A phase width is over the limit in force.</summary>
    WidthOverLimit = 5,
    /// <summary>A channel does not exist or cannot stimulate.</summary>
    ChannelNotStimulable = 6,
    /// <summary>A trigger names a slot with no program armed.</summary>
    UnknownProgram = 7,
    /// <summary>STIM_ENABLE is 0.</summary>
    StimDisabled = 8,
    /// <summary>The slot number is not below max_stim_programs.</summary>
    ProgramSlotOutOfRange = 9,
    /// <summary>The trigger's clock has already passed.</summary>
    TriggerInPast = 10,
    /// <summary>The request's payload was malformed.</summary>
    Malformed = 11,
    /// <summary>The pulse is longer than its period at the given rate.</summary>
    PulseDoesNotFit = 12,
}
