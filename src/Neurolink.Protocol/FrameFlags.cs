namespace Neurolink.Protocol;

/// <summary>Header flags (SPEC section 2). Bits not named here are reserved: sent as 0, ignored.</summary>
[Flags]
#pragma warning disable CA1711 // "flags" is the SPEC name of the header field this enum maps.
#pragma warning disable CA1028 // The wire field is 16 bits.
public enum FrameFlags : ushort
#pragma warning restore CA1028
{
    /// <summary>No flag set: a frame from the host.</summary>
    None = 0,
    /// <summary>Set on every frame a device sends.</summary>
    DeviceToHost = 1,
}
#pragma warning restore CA1711
