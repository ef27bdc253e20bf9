using Neurolink.Protocol.Payloads;

namespace Neurolink.Emulator.Firmware;

/// <summary>
/// Data the device's FIFO could not take, per stream, until a GAP frame reports it
/// (SPEC 4.11: never silence, never zeros).
/// </summary>
internal sealed class FifoLosses
{
    private readonly Dictionary<ushort, Pending> _pending = [];

    /// <summary>Frames lost since the last HELLO.</summary>
    public long TotalFrames { get; private set; }

    public void Lost(ushort stream, ulong clock, ulong samples, byte type)
    {
        TotalFrames++;
        _pending[stream] = _pending.TryGetValue(stream, out Pending p)
            ? p with { Samples = p.Samples + samples, Frames = p.Frames + 1, Reason = GapReason.FifoOverflow } // the device's own loss is the one to report
            : new Pending(clock, samples, 1, type, GapReason.FifoOverflow);
    }

    /// <summary>
    /// Samples a replayed recording does not have (its sample numbers jump): reported like a
    /// FIFO loss, with reason NOT_RECORDED and no frame lost by this device. A run of missing
    /// samples continues the pending report; one after other losses gets a report of its own.
    /// </summary>
    public void NotRecorded(ushort stream, ulong clock, ulong samples, byte type)
    {
        _pending[stream] = _pending.TryGetValue(stream, out Pending p) && p.Reason == GapReason.NotRecorded && p.FirstClock + p.Samples == clock
            ? p with { Samples = p.Samples + samples }
            : new Pending(clock, samples, 0, type, GapReason.NotRecorded);
    }

    public bool TryTake(ushort stream, out Gap gap, out ulong firstLost)
    {
        if (_pending.Count > 0 && _pending.Remove(stream, out Pending p))
        {
            gap = new Gap(p.Samples, p.Frames, p.Reason, (Neurolink.Protocol.FrameType)p.Type);
            firstLost = p.FirstClock;
            return true;
        }

        gap = default;
        firstLost = 0;
        return false;
    }

    public void Reset()
    {
        _pending.Clear();
        TotalFrames = 0;
    }

    private readonly record struct Pending(ulong FirstClock, ulong Samples, uint Frames, byte Type, GapReason Reason);
}
