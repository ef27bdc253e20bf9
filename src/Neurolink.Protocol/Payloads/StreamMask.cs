namespace Neurolink.Protocol.Payloads;

/// <summary>Which data streams START turns on (SPEC 4.7).</summary>
[Flags]
#pragma warning disable CA1028 // The wire field is 32 bits.
public enum StreamMask : uint
#pragma warning restore CA1028
{
    /// <summary>No stream.</summary>
    None = 0,
    /// <summary>RAW_SAMPLES.</summary>
    Raw = 1,
    /// <summary>SPIKE_EVENTS.</summary>
    Events = 2,
    /// <summary>SPIKE_COUNTS.</summary>
    Counts = 4,
}
