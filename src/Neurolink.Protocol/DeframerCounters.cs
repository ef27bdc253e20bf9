namespace Neurolink.Protocol;

/// <summary>
/// What a receiver has seen, as SPEC section 10 defines each counter. Every byte received ends
/// up in exactly one place: a delivered frame, a skipped frame (unknown type or version),
/// the discarded bytes, or the bytes still buffered.
/// </summary>
/// <param name="Frames">Frames delivered.</param>
/// <param name="BytesReceived">Bytes handed to the receiver.</param>
/// <param name="DiscardedBytes">Bytes thrown away while resynchronising (corruption, garbage, truncation).</param>
/// <param name="HeaderCrcErrors">Sync words followed by a header whose CRC failed.</param>
/// <param name="FrameCrcErrors">Frames with a valid header whose frame CRC failed.</param>
/// <param name="BadLengths">Valid headers with an impossible payload length.</param>
/// <param name="BadVersions">Intact frames of a protocol version the receiver does not speak, skipped.</param>
/// <param name="UnknownTypes">Intact frames of an unknown type, skipped.</param>
/// <param name="SequenceGaps">Times the sequence jumped forward on a stream.</param>
/// <param name="FramesLost">Frames missing by sequence number (lost or corrupted on the link).</param>
/// <param name="SequenceRegressions">Frames whose sequence went backwards (repeats or reordering).</param>
public readonly record struct DeframerCounters(
    long Frames,
    long BytesReceived,
    long DiscardedBytes,
    long HeaderCrcErrors,
    long FrameCrcErrors,
    long BadLengths,
    long BadVersions,
    long UnknownTypes,
    long SequenceGaps,
    long FramesLost,
    long SequenceRegressions)
{
    /// <summary>The counters in the vectors' <c>expect:</c> form (SPEC section 11).</summary>
    public string ToExpectText() =>
        $"frames={Frames} discarded_bytes={DiscardedBytes} header_crc_errors={HeaderCrcErrors} frame_crc_errors={FrameCrcErrors} " +
        $"bad_lengths={BadLengths} bad_versions={BadVersions} unknown_types={UnknownTypes} sequence_gaps={SequenceGaps} " +
        $"frames_lost={FramesLost} sequence_regressions={SequenceRegressions}";
}
