using System.Buffers.Binary;

namespace Neurolink.Protocol.Payloads;

/// <summary>
/// GAP (SPEC 4.11): the device says samples of this stream were lost and will never be sent.
/// The header's sample clock is the first lost sample.
/// </summary>
/// <param name="LostSamples">Samples lost.</param>
/// <param name="LostFrames">Frames lost.</param>
/// <param name="Reason">Why.</param>
/// <param name="LostType">Type of the frames lost.</param>
public readonly record struct Gap(ulong LostSamples, uint LostFrames, GapReason Reason, FrameType LostType) : IFramePayload
{
    /// <summary>Payload size in bytes.</summary>
    public const int Size = 16;

    /// <inheritdoc/>
    public static FrameType Type => FrameType.Gap;

    /// <inheritdoc/>
    public int PayloadLength => Size;

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, LostSamples);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], LostFrames);
        destination[12] = (byte)Reason;
        destination[13] = (byte)LostType;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[14..], 0);
    }

    /// <summary>Decodes a GAP payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out Gap value, out string? error)
    {
        value = default;
        if (payload.Length < Size)
        {
            error = PayloadError.TooShort(Type, Size, payload.Length);
            return false;
        }

        value = new Gap(
            BinaryPrimitives.ReadUInt64LittleEndian(payload),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]),
            (GapReason)payload[12],
            (FrameType)payload[13]);
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() => $"lost_samples={LostSamples} lost_frames={LostFrames} reason={(byte)Reason} lost_type={(byte)LostType}";
}
