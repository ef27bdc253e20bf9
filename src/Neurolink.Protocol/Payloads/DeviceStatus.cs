namespace Neurolink.Protocol.Payloads;

/// <summary>HEARTBEAT status bits (SPEC 4.16).</summary>
[Flags]
#pragma warning disable CA1028 // The wire field is 16 bits.
public enum DeviceStatus : ushort
#pragma warning restore CA1028
{
    /// <summary>Idle.</summary>
    None = 0,
    /// <summary>Acquisition is running.</summary>
    Acquiring = 1,
    /// <summary>STIM_ENABLE is 1.</summary>
    StimEnabled = 2,
    /// <summary>A pulse train is being delivered.</summary>
    StimActive = 4,
}
