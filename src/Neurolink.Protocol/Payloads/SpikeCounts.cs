using System.Buffers.Binary;

namespace Neurolink.Protocol.Payloads;

/// <summary>
/// SPIKE_COUNTS (SPEC 4.10): per-channel threshold crossings in one bin, saturating at 255,
/// read in place. This is the frame the closed loop consumes.
/// </summary>
public readonly ref struct SpikeCounts : IFramePayload
{
    /// <summary>Bytes before the counts.</summary>
    public const int FixedSize = 8;

    /// <summary>Wraps counts for encoding, or as decoded.</summary>
    /// <param name="firstChannel">First channel in this frame.</param>
    /// <param name="binSamples">Bin width in samples (30 at 30 kHz = 1 ms).</param>
    /// <param name="counts">One count per channel, 1..65535 channels.</param>
    public SpikeCounts(ushort firstChannel, ushort binSamples, ReadOnlySpan<byte> counts)
    {
        if (counts.Length is 0 or > ushort.MaxValue)
        {
            throw new ArgumentException($"{counts.Length} channels of counts; a frame holds 1 to 65535", nameof(counts));
        }

        FirstChannel = firstChannel;
        BinSamples = binSamples;
        Counts = counts;
    }

    /// <summary>First channel in this frame.</summary>
    public ushort FirstChannel { get; }

    /// <summary>Bin width in samples.</summary>
    public ushort BinSamples { get; }

    /// <summary>Spike count per channel in this bin.</summary>
    public ReadOnlySpan<byte> Counts { get; }

    /// <inheritdoc/>
    public static FrameType Type => FrameType.SpikeCounts;

    /// <inheritdoc/>
    public int PayloadLength => FixedSize + Counts.Length;

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, FirstChannel);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)Counts.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], BinSamples);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        Counts.CopyTo(destination[FixedSize..]);
    }

    /// <summary>Decodes in place; false with a reason when the payload is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out SpikeCounts value, out string? error)
    {
        value = default;
        if (payload.Length < FixedSize)
        {
            error = PayloadError.TooShort(Type, FixedSize, payload.Length);
            return false;
        }

        int channels = BinaryPrimitives.ReadUInt16LittleEndian(payload[2..]);
        if (channels == 0 || payload.Length != FixedSize + channels)
        {
            error = PayloadError.Mismatch(Type, $"channel_count {channels} (at least 1)", FixedSize + channels, payload.Length);
            return false;
        }

        value = new SpikeCounts(
            BinaryPrimitives.ReadUInt16LittleEndian(payload),
            BinaryPrimitives.ReadUInt16LittleEndian(payload[4..]),
            payload.Slice(FixedSize, channels));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() =>
        $"first_channel={FirstChannel} channel_count={Counts.Length} bin_samples={BinSamples} counts=[{string.Join(',', Counts.ToArray())}]";
}
