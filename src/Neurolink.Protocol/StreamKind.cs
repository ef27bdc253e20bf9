namespace Neurolink.Protocol;

/// <summary>The low byte of a stream address (SPEC section 3).</summary>
#pragma warning disable CA1028 // The wire field is one byte.
public enum StreamKind : byte
#pragma warning restore CA1028
{
    /// <summary>Session, registers, start/stop, heartbeat, ping.</summary>
    Control = 0x00,
    /// <summary>RAW_SAMPLES and their GAP frames.</summary>
    Raw = 0x01,
    /// <summary>SPIKE_EVENTS and their GAP frames.</summary>
    Events = 0x02,
    /// <summary>SPIKE_COUNTS and their GAP frames.</summary>
    Counts = 0x03,
    /// <summary>Stimulation requests and answers.</summary>
    Stim = 0x04,
}
