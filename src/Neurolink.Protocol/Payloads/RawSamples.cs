using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Neurolink.Protocol.Payloads;

/// <summary>
/// RAW_SAMPLES (SPEC 4.8): int16 samples, channel-interleaved, read in place from the frame
/// (no copy). Sample <c>s</c> of channel <c>FirstChannel + c</c> is <c>Samples[s * ChannelCount + c]</c>.
/// </summary>
public readonly ref struct RawSamples : IFramePayload
{
    /// <summary>Bytes before the samples.</summary>
    public const int FixedSize = 8;

    /// <summary>The "no data" value: a disabled channel carries it; converters never produce it.</summary>
    public const short NoData = short.MinValue;

    /// <summary>Wraps samples for encoding, or as decoded.</summary>
    /// <exception cref="ArgumentException">The sample count does not equal channels x samples.</exception>
    public RawSamples(ushort firstChannel, ushort channelCount, ushort sampleCount, ReadOnlySpan<short> samples)
    {
        if (samples.Length != channelCount * sampleCount)
        {
            throw new ArgumentException($"{samples.Length} samples given for {channelCount} channels x {sampleCount} samples", nameof(samples));
        }

        FirstChannel = firstChannel;
        ChannelCount = channelCount;
        SampleCount = sampleCount;
        Samples = samples;
    }

    /// <summary>First channel in this frame.</summary>
    public ushort FirstChannel { get; }

    /// <summary>Channels per sample, C.</summary>
    public ushort ChannelCount { get; }

    /// <summary>Samples per channel, N.</summary>
    public ushort SampleCount { get; }

    /// <summary>N x C samples, in LSB of the device's raw scale.</summary>
    public ReadOnlySpan<short> Samples { get; }

    /// <inheritdoc/>
    public static FrameType Type => FrameType.RawSamples;

    /// <inheritdoc/>
    public int PayloadLength => FixedSize + (2 * Samples.Length);

    /// <summary>The payload length for <paramref name="channels"/> x <paramref name="samples"/>.</summary>
    public static int PayloadLengthFor(int channels, int samples) => FixedSize + (2 * channels * samples);

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, FirstChannel);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], ChannelCount);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], SampleCount);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        MemoryMarshal.AsBytes(Samples).CopyTo(destination[FixedSize..]);
    }

    /// <summary>Decodes in place; false with a reason when the payload is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out RawSamples value, out string? error)
    {
        value = default;
        if (payload.Length < FixedSize)
        {
            error = PayloadError.TooShort(Type, FixedSize, payload.Length);
            return false;
        }

        ushort channels = BinaryPrimitives.ReadUInt16LittleEndian(payload[2..]);
        ushort samples = BinaryPrimitives.ReadUInt16LittleEndian(payload[4..]);
        int needed = PayloadLengthFor(channels, samples);
        if (channels == 0 || samples == 0 || payload.Length != needed)
        {
            error = PayloadError.Mismatch(Type, $"channel_count {channels} x sample_count {samples} (both at least 1)", needed, payload.Length);
            return false;
        }

        value = new RawSamples(
            BinaryPrimitives.ReadUInt16LittleEndian(payload),
            channels,
            samples,
            MemoryMarshal.Cast<byte, short>(payload.Slice(FixedSize, 2 * channels * samples)));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() =>
        string.Create(CultureInfo.InvariantCulture, $"first_channel={FirstChannel} channel_count={ChannelCount} sample_count={SampleCount} samples=[{string.Join(',', Samples.ToArray())}]");
}
