namespace Neurolink.Device.Acquisition;

/// <summary>
/// Everything a session received and everything it lost, each cause counted apart, totals over
/// every connection since the session started.
/// </summary>
/// <param name="Frames">Data frames put in the ring (RAW, EVENTS, COUNTS, GAP).</param>
/// <param name="FramesReceived">Valid frames received of every kind, answers and HEARTBEATs included.</param>
/// <param name="Bytes">Bytes received from the link, all frames and damage included.</param>
/// <param name="SequenceGaps">Times a data stream's sequence number jumped forward.</param>
/// <param name="FramesLost">
/// Data frames missing by sequence number: lost or corrupted on the link. Counted from sequence 0
/// after each handshake, so exact; frames the device discarded when the link went down are in
/// <paramref name="LinkDownSamples"/> instead.
/// </param>
/// <param name="SequenceRegressions">Frames whose sequence number went backwards (repeats, reordering): not passed on, as each stream reaches consumers once and in order.</param>
/// <param name="CrcErrors">Header and frame CRC failures.</param>
/// <param name="ResyncBytes">Bytes discarded while resynchronising.</param>
/// <param name="DeviceGapFrames">GAP frames received: the device lost data itself.</param>
/// <param name="DeviceLostFrames">Frames the device reported lost in GAP frames.</param>
/// <param name="DeviceLostSamples">Samples the device reported lost in GAP frames.</param>
/// <param name="DeviceDroppedFrames">Frames the device could not send, from its HEARTBEAT frames.</param>
/// <param name="RingOverrunFrames">Frames dropped on the host because a consumer was too slow.</param>
/// <param name="RingOverrunBytes">Bytes of those frames.</param>
/// <param name="RingWaitSeconds">Time the reader waited for a slow consumer (under <see cref="SlowConsumerPolicy.Wait"/>).</param>
/// <param name="LinkDowns">Times the link went down.</param>
/// <param name="Reconnects">Times acquisition resumed after the link went down.</param>
/// <param name="LinkDownSamples">Device samples not acquired while the link was down.</param>
/// <param name="DeviceErrors">ERROR frames the device sent.</param>
public readonly record struct AcquisitionCounters(
    long Frames,
    long FramesReceived,
    long Bytes,
    long SequenceGaps,
    long FramesLost,
    long SequenceRegressions,
    long CrcErrors,
    long ResyncBytes,
    long DeviceGapFrames,
    long DeviceLostFrames,
    long DeviceLostSamples,
    long DeviceDroppedFrames,
    long RingOverrunFrames,
    long RingOverrunBytes,
    double RingWaitSeconds,
    long LinkDowns,
    long Reconnects,
    long LinkDownSamples,
    long DeviceErrors)
{
    /// <summary>True when nothing at all was lost.</summary>
    public bool Lossless =>
        FramesLost == 0 && CrcErrors == 0 && ResyncBytes == 0 && DeviceGapFrames == 0 && DeviceDroppedFrames == 0 &&
        RingOverrunFrames == 0 && LinkDowns == 0;
}
