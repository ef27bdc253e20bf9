using System.Runtime.InteropServices;

namespace Neurolink.Protocol.Payloads;

/// <summary>One detected spike in a SPIKE_EVENTS frame (SPEC 4.9); 8 bytes, read in place.</summary>
/// <param name="Channel">Channel that crossed its threshold.</param>
/// <param name="SampleOffset">Samples after the frame's sample clock, below its window length.</param>
/// <param name="Amplitude">Peak value, raw LSB.</param>
/// <param name="Unit">Sorted unit id; <see cref="Unsorted"/> when the device does not sort.</param>
[StructLayout(LayoutKind.Sequential, Pack = 2, Size = 8)]
public readonly record struct SpikeEvent(ushort Channel, ushort SampleOffset, short Amplitude, ushort Unit)
{
    /// <summary>The unit id of an unsorted spike.</summary>
    public const ushort Unsorted = 0xFFFF;
}
