using System.Runtime.InteropServices;

namespace Neurolink.Device.Acquisition;

/// <summary>Why data is missing from the acquired stream.</summary>
public enum LossKind
{
    /// <summary>The ring had no room because a consumer was too slow; the frames were dropped on the host.</summary>
    RingOverrun = 1,

    /// <summary>Frames missing by sequence number: lost or corrupted on the link (the deframer counts them too).</summary>
    SequenceGap = 2,

    /// <summary>The link went down and came back: nothing was acquired between the two clocks.</summary>
    LinkDown = 3,
}

/// <summary>
/// An explicit record of lost data, placed in the acquired stream where the data would have
/// been, so every consumer (a recorder above all) sees the hole instead of silence. Device GAP
/// frames are not turned into these: they reach consumers as frames.
/// </summary>
/// <param name="Kind">Why.</param>
/// <param name="Stream">The stream address, or 0 when it concerns every stream (a link down).</param>
/// <param name="Frames">Frames lost, when known (0 for a link down, which is counted in samples).</param>
/// <param name="Bytes">Bytes lost, when known.</param>
/// <param name="FirstClock">Device sample clock of the first missing sample (for a ring overrun, of the first dropped frame).</param>
/// <param name="EndClock">Device sample clock at which data resumes (for a ring overrun, of the last dropped frame).</param>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct LossRecord(LossKind Kind, ushort Stream, long Frames, long Bytes, ulong FirstClock, ulong EndClock)
{
    /// <summary>A one-line description for logs.</summary>
    public override string ToString() => Kind switch
    {
        LossKind.RingOverrun => $"ring overrun: {Frames} frame(s), {Bytes} bytes dropped on the host (a consumer was too slow), clocks {FirstClock}..{EndClock}",
        LossKind.SequenceGap => $"sequence gap on stream 0x{Stream:X4}: {Frames} frame(s) lost on the link between clocks {FirstClock} and {EndClock}",
        _ => $"link down: no data between clocks {FirstClock} and {EndClock} ({(EndClock > FirstClock ? EndClock - FirstClock : 0)} samples)",
    };
}
